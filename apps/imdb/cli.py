"""Step 6, the command line: `refapps imdb download | train | evaluate | predict | lr-find`.

    refapps imdb train                       # ngram_nb, class-style loop, ~1 min on 2 cores
    refapps imdb train --model tutorial_cnn --epochs 2 --loop script
    refapps imdb evaluate --other-reviews ../shared/data/imdb/other_reviews/yelp_labelled.txt
    refapps imdb predict "What a wonderful film." --file more.txt --out results.csv
    cat reviews.txt | refapps imdb predict -
    refapps imdb compare-rules               # the held-out table the decision rule came from

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports (torch, the app's modules) happen inside the commands to keep `--help` fast.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from common.cli import JsonOpt, RunDirOpt, RunsDirOpt, handle_user_errors, with_train_options
from common.config import TrainConfig

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig
from .options import HELP, with_config_options

app = typer.Typer(
    help="IMDB movie reviews: sentiment classification from raw text.", no_args_is_help=True
)
TestFileOpt = Annotated[Path | None, typer.Option(help=HELP["test_file"])]
SHOWN_ROWS = 50


@app.command()
@handle_user_errors
def download() -> None:
    """Download, verify and unpack aclImdb train/test (nothing to do when present)."""
    from .data import download as fetch

    typer.echo(f"ok  {fetch()}")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
@with_config_options(data_cfg=DataConfig, model_cfg=ModelConfig)
def train(train_cfg: TrainConfig, data_cfg: DataConfig, model_cfg: ModelConfig) -> None:
    """Train a sentiment model; prints the test metrics and the run folder."""
    from common.console import print_run

    from .train import train as run_training

    result = run_training(data_cfg, model_cfg, train_cfg)
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
    from common.console import print_metrics
    from common.lookup import resolve_run

    from .train import evaluate as run_evaluation
    from .train import evaluate_other

    run = resolve_run(run_dir, runs_dir, APP)
    if other_reviews:
        result = {}
        for path in other_reviews:
            result |= evaluate_other(run, path)
    else:
        result = run_evaluation(run, test_file)
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
    csv: Annotated[Path | None, typer.Option(help="UTF-8 CSV file with a review column.")] = None,
    column: Annotated[str, typer.Option(help="The CSV column holding the reviews.")] = "text",
    out: Annotated[
        Path | None,
        typer.Option(help="Write every prediction to this CSV (text,label,probability)."),
    ] = None,
    run_dir: RunDirOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Sentiment (negative/positive) and the probability of positive, per review."""
    import sys

    from common.checkpoint import atomic_write
    from common.console import console
    from common.files import check_output_file
    from common.lookup import resolve_run

    from .predict import load_predictor
    from .review_files import collect_reviews

    check_output_file("--out", out, "results.csv")
    reviews = collect_reviews(texts or [], file, csv, column, lambda: sys.stdin.buffer.read())
    predictor = load_predictor(resolve_run(run_dir, runs_dir, APP))
    table = predictor.predict_frame(reviews)
    if out is not None:
        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
        console.print(f"Wrote {len(table):,} predictions to {out}")
    elif as_json:
        typer.echo(table.to_json(orient="records"))
    else:
        print_predictions(table)


def print_predictions(table: Any) -> None:
    """The first rows as a table, and how many were left out."""
    from common.console import print_rows

    shown = table.head(SHOWN_ROWS).assign(text=table["text"].str.slice(0, 70))
    title = "Predictions (probability of positive)"
    hint = "use --out results.csv for all of them"
    print_rows(shown.to_dict("records"), title, total=len(table), all_hint=hint)


@app.command("lr-find")
@handle_user_errors
def lr_find(
    runs_dir: RunsDirOpt = Path("runs"),
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    model: Annotated[str, typer.Option(help=HELP["name"])] = ModelConfig.name,
    max_samples: Annotated[int | None, typer.Option(help="Use at most N training reviews.")] = None,
) -> None:
    """Sweep the learning rate, plot loss against it, and suggest one."""
    from common.console import console

    from .train import find_lr

    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS, seed=seed, runs_dir=runs_dir, max_samples=max_samples
    )
    result = find_lr(DataConfig(), ModelConfig(name=model), train_cfg)
    console.print(f"Suggested learning rate: {result.suggested_lr:.2e}  (plot: {result.plot_path})")


@app.command("compare-rules")
@handle_user_errors
def compare_rules(
    seed: Annotated[int, typer.Option(help="Seed.")] = 0, json_output: JsonOpt = False
) -> None:
    """Score the decision rules (threshold, lexicon stack) on held-out train data only."""
    from common.console import console

    from .train import compare_held_out

    rows = compare_held_out(
        DataConfig(), ModelConfig(), dataclasses.replace(TRAIN_DEFAULTS, seed=seed)
    )
    if json_output:
        typer.echo(json.dumps(rows, indent=2))
        return
    console.print(" | ".join(rows[0]) if rows else "No held-out data (--threshold-fraction 0).")
    for row in rows:
        console.print(
            " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values())
        )


if __name__ == "__main__":
    app()
