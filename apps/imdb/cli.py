"""Front-end: the command line, `refapps imdb download | train | evaluate | predict | lr-find`.

    refapps imdb train                       # ngram_nb, class-style loop, ~2 min on 2 cores
    refapps imdb train --model tutorial_cnn --epochs 2 --loop script
    refapps imdb evaluate --other-reviews ../shared/data/imdb/other_reviews/yelp_labelled.txt
    refapps imdb predict "What a wonderful film." --file more.txt --out results.csv
    cat reviews.txt | refapps imdb predict -

Options served by extras/ go through `dispatch.py`; heavy imports sit inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from common.cli import JsonOpt, RunDirOpt, RunsDirOpt, handle_user_errors, with_train_options
from common.commands import add_lr_find_command
from common.config import TrainConfig

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig

app = typer.Typer(
    help="IMDB movie reviews: sentiment classification from raw text.", no_args_is_help=True
)
SHOWN_ROWS = 50
EMPTY = "empty review: no text to classify"
D, M = DataConfig(), ModelConfig()


def _opt(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text)


CsvOpt = Annotated[
    Path | None,
    _opt("UTF-8 CSV file with a review column; a row with an empty review gets a reason."),
]
TrainFileOpt = Annotated[Path | None, _opt("CSV/TSV of (label, text) (default: aclImdb/train).")]
TestFileOpt = Annotated[Path | None, _opt("CSV/TSV of (label, text) (default: aclImdb/test).")]
ValFractionOpt = Annotated[
    float, _opt("Hold out this share of train to pick the best epoch and the threshold.")
]
ThresholdFractionOpt = Annotated[
    float, _opt("Hold out this share of train to fit the stack or threshold, then refit on all.")
]
VocabOpt = Annotated[int, _opt("Tokenizer vocabulary size.")]
MinFrequencyOpt = Annotated[int, _opt("Rarer training words become [UNK].")]
MaxTokensOpt = Annotated[int, _opt("Truncate reviews to this many tokens.")]
SnippetsOpt = Annotated[int, _opt("Also train on N random 1-3 sentence snippets of each review.")]
ModelOpt = Annotated[str, _opt("Model: ngram_nb, bilstm or tutorial_cnn.", "--model")]
EmbedOpt = Annotated[int, _opt("Embedding size (bilstm, tutorial_cnn).")]
HiddenOpt = Annotated[int, _opt("LSTM size per direction (bilstm).")]
BucketsOpt = Annotated[int, _opt("Hashed n-gram slots (ngram_nb).")]
MinNgramOpt = Annotated[int, _opt("ngram_nb ignores n-grams seen in fewer training reviews.")]
CnnTokensOpt = Annotated[int, _opt("tutorial_cnn reads the last N tokens of a review.")]
DropoutOpt = Annotated[float, _opt("Dropout (of n-grams for ngram_nb).")]
StackOpt = Annotated[
    bool | None,
    _opt(
        "Combine the model's logit with the VADER lexicon's score, weights fitted on held-out "
        "train (default for ngram_nb); --no-lexicon chooses a held-out threshold instead.",
        "--lexicon-stack/--no-lexicon",
    ),
]


@app.command()
@handle_user_errors
def download() -> None:
    """Download and verify aclImdb train/test and the CR set `train` fits its stack on."""
    from .data import download as fetch
    from .stack import choosing_set

    typer.echo(f"ok  {fetch()}\nok  CR choosing set, {len(choosing_set().texts)} sentences")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
def train(
    train_cfg: TrainConfig,
    train_file: TrainFileOpt = D.train_file,
    test_file: TestFileOpt = D.test_file,
    val_fraction: ValFractionOpt = D.val_fraction,
    vocab_size: VocabOpt = D.vocab_size,
    min_frequency: MinFrequencyOpt = D.min_frequency,
    max_tokens: MaxTokensOpt = D.max_tokens,
    snippets_per_review: SnippetsOpt = D.snippets_per_review,
    threshold_fraction: ThresholdFractionOpt = D.threshold_fraction,
    name: ModelOpt = M.name,
    embed_dim: EmbedOpt = M.embed_dim,
    hidden: HiddenOpt = M.hidden,
    num_buckets: BucketsOpt = M.num_buckets,
    min_ngram_reviews: MinNgramOpt = M.min_ngram_reviews,
    cnn_tokens: CnnTokensOpt = M.cnn_tokens,
    dropout: DropoutOpt = M.dropout,
    lexicon_stack: StackOpt = None,
) -> None:
    """Train a sentiment model; prints the test metrics and the run folder."""
    given = dict(locals())  # the options by name, which are the configs' field names
    data_cfg = DataConfig(**{k: given[k] for k in DataConfig.__dataclass_fields__})
    model_cfg = ModelConfig(**{k: given[k] for k in ModelConfig.__dataclass_fields__})
    from common.cli import refuse_ignored_resume_options
    from common.console import print_run
    from common.runs import run_configs
    from common.training.styles import loop_named

    from .dispatch import train_for

    refuse_ignored_resume_options(train_cfg.resume)
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)  # or the run's
    run_training = train_for(data_cfg, model_cfg)
    result = run_training(data_cfg, model_cfg, train_cfg, loop=loop_named(train_cfg.loop))
    title = f"IMDB test metrics ({result.train_seconds:.1f} s incl. tokenising)"
    print_run(result.metrics, result.run_dir, title)


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirOpt = None,
    test_file: TestFileOpt = None,
    other_reviews: Annotated[
        list[Path] | None,
        typer.Option(
            help="Score this labelled file instead (sentence<TAB>label lines, or a CSV with "
            "text,label columns); repeat for several.",
            show_default=False,
        ),
    ] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Test accuracy, ROC AUC and F1; or accuracy and positive rate on --other-reviews files."""
    from common.boundary import needs_extra
    from common.console import print_metrics
    from common.lookup import resolve_run

    from .dispatch import evaluation_reviews, open_predictor
    from .train import evaluate as run_evaluation

    run = resolve_run(run_dir, runs_dir, APP)
    predictor = open_predictor(run)
    if other_reviews:
        with needs_extra(APP, "--other-reviews"):
            from .extras.other_reviews import evaluate_other

        result = {}
        for path in other_reviews:
            result |= evaluate_other(predictor, path)
    else:
        result = run_evaluation(run, predictor, evaluation_reviews(run, test_file))
    if as_json:
        typer.echo(json.dumps(result))
    else:
        print_metrics(result, title=f"IMDB metrics ({run})")


@app.command()
@handle_user_errors
def predict(
    texts: Annotated[
        list[str] | None,
        typer.Argument(help="Review texts; '-' reads standard input, one review a line."),
    ] = None,
    file: Annotated[Path | None, typer.Option(help="UTF-8 text file, one review a line.")] = None,
    csv: CsvOpt = None,
    column: Annotated[str, typer.Option(help="The CSV column holding the reviews.")] = "text",
    out: Annotated[
        Path | None,
        typer.Option(help="Write every prediction to this CSV (text,label,probability,reason)."),
    ] = None,
    run_dir: RunDirOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Sentiment (negative/positive) and the probability of positive, one row per review."""
    import sys

    from common.console import console
    from common.files import atomic_write, check_output_file
    from common.lookup import resolve_run

    from .dispatch import open_predictor
    from .review_files import collect_reviews

    check_output_file("--out", out, "results.csv")
    reviews = collect_reviews(texts or [], file, csv, column, lambda: sys.stdin.buffer.read())
    predictor = open_predictor(resolve_run(run_dir, runs_dir, APP))
    table = prediction_table(predictor, reviews)
    if out is not None:
        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
        console.print(f"Wrote {len(table):,} predictions to {out}")
    elif as_json:
        typer.echo(table.to_json(orient="records"))
    else:
        print_predictions(table)


def prediction_table(predictor: Any, texts: list[str]) -> Any:
    """Columns text, label, probability (of positive), reason; a blank text gets a reason."""
    import numpy as np
    import pandas as pd

    rows = [i for i, text in enumerate(texts) if text.strip()]
    table = pd.DataFrame({"text": texts, "label": "", "probability": np.nan, "reason": EMPTY})
    predictions = predictor.predict([texts[i] for i in rows]) if rows else []
    table.loc[rows, "label"] = [p.label for p in predictions]
    table.loc[rows, "probability"] = [p.probability for p in predictions]
    table.loc[rows, "reason"] = ""
    return table


def print_predictions(table: Any) -> None:
    """The first rows as a table, and how many were left out."""
    from common.console import print_rows

    shown = table.head(SHOWN_ROWS).assign(text=table["text"].str.slice(0, 70))
    title = "Predictions (probability of positive)"
    hint = "use --out results.csv for all of them"
    print_rows(shown.to_dict("records"), title, total=len(table), all_hint=hint)


def find_lr(train_cfg: TrainConfig) -> Any:
    """The LR range test on the default data and model (`refapps imdb lr-find`)."""
    import torch
    from torch import nn

    from common.device import pick_device
    from common.lr_find import find_lr as sweep

    from .train import prepare

    device = pick_device(train_cfg.device)
    loaders, model, _ = prepare(DataConfig(), ModelConfig(), train_cfg)
    optimizer = torch.optim.AdamW(model.parameters(), train_cfg.lr, weight_decay=0.0, fused=True)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    return sweep(model, nn.BCEWithLogitsLoss(), optimizer, loaders.train, device, plot_path)


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
