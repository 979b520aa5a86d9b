"""Step 6, the command line: `refapps titanic download | cv | train | evaluate | predict`.

    refapps titanic cv                          # choose settings on the training split
    refapps titanic train --epochs 40 --loop function
    refapps titanic evaluate
    refapps titanic predict --csv passengers.csv

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
from common.commands import add_lr_find_command
from common.config import TrainConfig

from .config import (
    APP,
    TRAIN_DEFAULTS,
    DataConfig,
    ModelConfig,
    check_predict_options,
    parse_hidden,
)

SHOWN_COLUMNS = ("PassengerId", "Name", "Pclass", "Sex", "Age", "survival_probability", "predicted")
app = typer.Typer(help="Titanic survival: tabular binary classification.", no_args_is_help=True)

DATA_DEFAULTS, MODEL_DEFAULTS = DataConfig(), ModelConfig()
TrainCsvOpt = Annotated[
    Path | None, typer.Option(help="Training CSV (default: REFAPPS_DATA/titanic/train.csv).")
]
TestCsvOpt = Annotated[
    Path | None, typer.Option(help="Test CSV (default: REFAPPS_DATA/titanic/test.csv).")
]
HiddenOpt = Annotated[str, typer.Option(help="Hidden layer widths, e.g. 32,16.")]
DropoutOpt = Annotated[float, typer.Option(help="Dropout after each hidden layer.")]
NumModelsOpt = Annotated[int, typer.Option(help="Ensemble size: networks of different seeds.")]
FeaturesOpt = Annotated[str, typer.Option(help="Feature set: basic, extra or groups.")]


@app.command()
@handle_user_errors
def download() -> None:
    """Download and verify train.csv and test.csv (nothing to do when present)."""
    from .data import download as fetch

    for path in fetch():
        typer.echo(f"ok  {path}")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
def train(
    train_cfg: TrainConfig,
    train_csv: TrainCsvOpt = None,
    test_csv: TestCsvOpt = None,
    val_fraction: Annotated[
        float, typer.Option(help="Hold out this share of train for validation.")
    ] = (DATA_DEFAULTS.val_fraction),
    hidden: HiddenOpt = ",".join(map(str, MODEL_DEFAULTS.hidden)),
    dropout: DropoutOpt = MODEL_DEFAULTS.dropout,
    num_models: NumModelsOpt = MODEL_DEFAULTS.num_models,
    features: FeaturesOpt = DATA_DEFAULTS.features,
    train_on_all: Annotated[
        bool,
        typer.Option(
            "--train-on-all",
            help="Train on train + test (all 891) once `cv` chose the settings; test "
            "metrics are then in-sample.",
        ),
    ] = False,
) -> None:
    """Train the network (an ensemble of seeds); prints the test metrics and the run folder."""
    from common.console import print_run

    from .train import train as run_training

    data_cfg = DataConfig(
        train_csv=train_csv,
        test_csv=test_csv,
        val_fraction=val_fraction,
        features=features,
        train_on_all=train_on_all,
    )
    model_cfg = ModelConfig(hidden=parse_hidden(hidden), dropout=dropout, num_models=num_models)
    result = run_training(data_cfg, model_cfg, train_cfg)
    what = "in-sample (trained on all)" if train_on_all else "test"
    title = f"Titanic {what} metrics ({result.train_seconds:.1f} s training)"
    print_run(result.metrics, result.run_dir, title)


@app.command()
@handle_user_errors
def cv(
    train_csv: TrainCsvOpt = None,
    hidden: HiddenOpt = ",".join(map(str, MODEL_DEFAULTS.hidden)),
    dropout: DropoutOpt = MODEL_DEFAULTS.dropout,
    num_models: NumModelsOpt = MODEL_DEFAULTS.num_models,
    features: FeaturesOpt = DATA_DEFAULTS.features,
    epochs: Annotated[int, typer.Option(help="Epochs.")] = TRAIN_DEFAULTS.epochs,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = TRAIN_DEFAULTS.lr,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = (
        TRAIN_DEFAULTS.weight_decay
    ),
    folds: Annotated[int, typer.Option(help="Folds per repeat.", min=2, max=20)] = 5,
    repeats: Annotated[int, typer.Option(help="Repeats (new shuffles).", min=1, max=20)] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the splits and the models.")] = 0,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Repeated stratified k-fold on the TRAINING split: the network beside 4 classical models."""
    from .cv_report import run_cv_command

    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS,
        epochs=epochs,
        lr=lr,
        weight_decay=weight_decay,
        seed=seed,
        runs_dir=runs_dir,
    )
    data_cfg = DataConfig(train_csv=train_csv, test_csv=train_csv, features=features)
    model_cfg = ModelConfig(hidden=parse_hidden(hidden), dropout=dropout, num_models=num_models)
    run_cv_command(data_cfg, model_cfg, train_cfg, folds, repeats, as_json)


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirOpt = None,
    test_csv: TestCsvOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Accuracy, ROC AUC, precision, recall, F1 and the confusion matrix on the test split."""
    from common.console import console, print_metrics
    from common.lookup import resolve_run

    from .train import evaluate as run_evaluation

    run = resolve_run(run_dir, runs_dir, APP)
    result = run_evaluation(run, test_csv)
    if as_json:
        typer.echo(json.dumps(result))
        return
    matrix = result.pop("confusion_matrix")["values"]
    print_metrics(result, title=f"Titanic test metrics ({run})")
    console.print(
        "Confusion matrix (rows: true died/survived, columns: predicted died/survived):\n"
        f"{matrix[0]}\n{matrix[1]}"
    )


@app.command()
@handle_user_errors
def predict(
    run_dir: RunDirOpt = None,
    csv: Annotated[Path | None, typer.Option(help="Passenger CSV (Survived optional).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write predictions to this CSV.")] = None,
    kaggle: Annotated[
        Path | None,
        typer.Option(help="Write a Kaggle submission (PassengerId,Survived) to this CSV."),
    ] = None,
    pclass: Annotated[int | None, typer.Option(help="Ticket class: 1, 2 or 3.")] = None,
    sex: Annotated[str | None, typer.Option(help="male or female.")] = None,
    age: Annotated[float | None, typer.Option(help="Age in years.")] = None,
    sibsp: Annotated[int, typer.Option(help="Siblings and spouses aboard.")] = 0,
    parch: Annotated[int, typer.Option(help="Parents and children aboard.")] = 0,
    fare: Annotated[float | None, typer.Option(help="Ticket fare.")] = None,
    embarked: Annotated[str | None, typer.Option(help="Port: S, C or Q.")] = None,
    name: Annotated[
        str | None, typer.Option(help="Name, e.g. 'Smith, Mr. John' (gives the title).")
    ] = None,
    cabin: Annotated[str | None, typer.Option(help="Cabin number, if known.")] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Survival probability from a CSV, or for one passenger described by options."""
    import pandas as pd

    from common.checkpoint import atomic_write
    from common.console import console, print_rows
    from common.lookup import resolve_run

    from .data import read_passengers
    from .predict import Passenger, load_predictor, write_submission

    check_predict_options(
        csv is not None,
        pclass is not None and sex is not None,
        texts={"--sex": sex, "--embarked": embarked, "--name": name, "--cabin": cabin},
        outputs={"--out": out, "--kaggle": kaggle},
    )
    predictor = load_predictor(resolve_run(run_dir, runs_dir, APP))
    if kaggle is not None and csv is not None:
        count = write_submission(predictor, csv, kaggle)
        console.print(f"Wrote a Kaggle submission of {count} passengers to {kaggle}")
        return
    if csv is not None:
        table = predictor.predict_frame(read_passengers(csv), source=str(csv))
    else:
        passenger = Passenger(pclass, sex, age, sibsp, parch, fare, embarked, name, cabin)  # type: ignore[arg-type]
        table = predictor.predict_frame(pd.DataFrame([passenger.to_row()]), "--options")
    if out is not None:
        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
        console.print(f"Wrote {len(table)} predictions to {out}")
    elif as_json:
        typer.echo(table.to_json(orient="records"))
    else:
        shown = [c for c in SHOWN_COLUMNS if c in table.columns]
        print_rows(table[shown].to_dict("records"), title="Predictions")  # says if rows are cut


def find_lr(train_cfg: TrainConfig) -> Any:
    """The LR range test on this app's default data and model (`refapps titanic lr-find`)."""
    from . import train

    return train.find_lr(DataConfig(), ModelConfig(), train_cfg)


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
