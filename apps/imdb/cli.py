"""Step 6, the command line: `refapps imdb download | train | evaluate | predict`.

    refapps imdb train                       # ngram_nb, class-style loop, ~1-2 min on 2 cores
    refapps imdb train --model tutorial_cnn --epochs 5 --loop script
    refapps imdb evaluate
    refapps imdb predict "What a wonderful film." --file more_reviews.txt

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports (torch, the app's modules) happen inside the commands to keep `--help` fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.cli import JsonOpt, RunDirArg, RunsDirOpt, handle_user_errors, with_train_options
from common.config import TrainConfig
from common.errors import UserError

from .config import APP, MODEL_NAMES, TRAIN_DEFAULTS, DataConfig, ModelConfig

app = typer.Typer(
    help="IMDB movie reviews: sentiment classification from raw text.", no_args_is_help=True
)

DATA_DEFAULTS, MODEL_DEFAULTS = DataConfig(), ModelConfig()
TrainFileOpt = Annotated[
    Path | None, typer.Option(help="CSV/TSV of (label, text) (default: aclImdb/train).")
]
TestFileOpt = Annotated[
    Path | None, typer.Option(help="CSV/TSV of (label, text) (default: aclImdb/test).")
]
MAX_REVIEWS = 100_000


@app.command()
@handle_user_errors
def download() -> None:
    """Download, verify and unpack aclImdb train/test (nothing to do when present)."""
    from .data import download as fetch

    typer.echo(f"ok  {fetch()}")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
def train(
    train_cfg: TrainConfig,
    model: Annotated[
        str, typer.Option(help=f"One of {', '.join(MODEL_NAMES)}.")
    ] = MODEL_DEFAULTS.name,
    train_file: TrainFileOpt = None,
    test_file: TestFileOpt = None,
    val_fraction: Annotated[
        float, typer.Option(help="Hold out this share of train to pick the best epoch.")
    ] = DATA_DEFAULTS.val_fraction,
    vocab_size: Annotated[
        int, typer.Option(help="Tokenizer vocabulary size.")
    ] = DATA_DEFAULTS.vocab_size,
    min_frequency: Annotated[
        int, typer.Option(help="Rarer training words become [UNK].")
    ] = DATA_DEFAULTS.min_frequency,
    max_tokens: Annotated[
        int, typer.Option(help="Truncate reviews to this many tokens.")
    ] = DATA_DEFAULTS.max_tokens,
    embed_dim: Annotated[
        int, typer.Option(help="Embedding size (bilstm, tutorial_cnn).")
    ] = MODEL_DEFAULTS.embed_dim,
    hidden: Annotated[
        int, typer.Option(help="LSTM size per direction (bilstm).")
    ] = MODEL_DEFAULTS.hidden,
    num_buckets: Annotated[
        int, typer.Option(help="Hashed n-gram slots (ngram_nb).")
    ] = MODEL_DEFAULTS.num_buckets,
    dropout: Annotated[
        float, typer.Option(help="Dropout (of n-grams for ngram_nb).")
    ] = MODEL_DEFAULTS.dropout,
    min_ngram_reviews: Annotated[
        int, typer.Option(help="ngram_nb ignores n-grams seen in fewer training reviews.")
    ] = MODEL_DEFAULTS.min_ngram_reviews,
) -> None:
    """Train a sentiment model; prints the test metrics and the run folder."""
    from common.console import console, print_metrics

    from .train import train as run_training

    data_cfg = DataConfig(
        train_file=train_file,
        test_file=test_file,
        val_fraction=val_fraction,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        max_tokens=max_tokens,
    )
    model_cfg = ModelConfig(
        name=model,
        embed_dim=embed_dim,
        hidden=hidden,
        num_buckets=num_buckets,
        min_ngram_reviews=min_ngram_reviews,
        dropout=dropout,
    )
    result = run_training(data_cfg, model_cfg, train_cfg)
    print_metrics(
        result.test_metrics,
        title=f"IMDB test metrics ({result.train_seconds:.1f} s incl. tokenising)",
    )
    console.print(f"Run folder: {result.run_dir}")


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirArg = None,
    test_file: TestFileOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Accuracy, ROC AUC and F1 on the 25,000 test reviews (or --test-file)."""
    from common.console import print_metrics
    from common.runs import resolve_run

    from .train import evaluate as run_evaluation

    run = resolve_run(run_dir, runs_dir, APP)
    result = run_evaluation(run, test_file)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        print_metrics(result, title=f"IMDB test metrics ({run})")


def read_texts(texts: list[str], file: Path | None, csv: Path | None, column: str) -> list[str]:
    """Reviews from arguments, a text file (one per line) and a CSV column, in that order."""
    import pandas as pd

    found = list(texts)
    if file is not None:
        if not file.is_file():
            raise UserError(f"Review file not found: {file}")
        found += [
            line
            for line in file.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        ]
    if csv is not None:
        if not csv.is_file():
            raise UserError(f"CSV file not found: {csv}")
        try:
            df = pd.read_csv(csv, dtype=str, keep_default_na=False, nrows=MAX_REVIEWS + 1)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise UserError(f"{csv} is not a readable CSV file ({type(err).__name__}).") from err
        if column not in df.columns:
            raise UserError(
                f"{csv} has no column {column!r}; pick one with --column ({', '.join(df.columns)})."
            )
        found += df[column].tolist()
    if not found:
        raise UserError("Give review texts as arguments, --file FILE (one per line) or --csv FILE.")
    if len(found) > MAX_REVIEWS:
        raise UserError(f"At most {MAX_REVIEWS:,} reviews at a time; split the input.")
    return found


@app.command()
@handle_user_errors
def predict(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Review texts.", show_default=False)
    ] = None,
    file: Annotated[Path | None, typer.Option(help="Text file, one review per line.")] = None,
    csv: Annotated[Path | None, typer.Option(help="CSV file with a review column.")] = None,
    column: Annotated[str, typer.Option(help="The CSV column holding the reviews.")] = "text",
    run_dir: Annotated[
        Path | None, typer.Option(help="Run folder (default: the newest run).")
    ] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Sentiment (negative/positive) and the probability of positive, per review."""
    from common.console import console, dataframe_table
    from common.runs import resolve_run

    from .predict import load_predictor

    reviews = read_texts(texts or [], file, csv, column)
    predictor = load_predictor(resolve_run(run_dir, runs_dir, APP))
    rows = [
        {
            "review": t[:70] + ("..." if len(t) > 70 else ""),
            "label": p.label,
            "probability": p.probability,
        }
        for t, p in zip(reviews, predictor.predict(reviews), strict=True)
    ]
    if as_json:
        typer.echo(json.dumps(rows))
    else:
        console.print(dataframe_table(rows[:50], title="Predictions (probability of positive)"))


if __name__ == "__main__":
    app()
