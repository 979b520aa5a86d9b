"""Front-end: the command line, `refapps titanic download | cv | train | evaluate | predict`.

    refapps titanic train --epochs 40 --loop function
    refapps titanic predict --csv passengers.csv

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports happen inside the commands to keep `--help` fast, and `extras/` is imported
only where its option is set, so a copy of the app without `extras/` runs the defaults.
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
from common.errors import UserError

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig

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
    """Train the network; prints the test metrics and the run folder."""
    from common.cli import refuse_ignored_resume_options
    from common.console import print_run
    from common.training.styles import loop_of

    from .csv_files import check_training_csvs
    from .train import train as run_training

    refuse_ignored_resume_options(train_cfg.resume)
    check_training_csvs(train_csv, test_csv)
    if trains_an_ensemble(num_models, train_cfg.resume):
        from .extras.ensemble import train_ensemble as run_training

    data_cfg = DataConfig(train_csv, test_csv, val_fraction, features, train_on_all)
    model_cfg = ModelConfig(hidden=parse_hidden(hidden), dropout=dropout, num_models=num_models)
    result = run_training(data_cfg, model_cfg, train_cfg, loop=loop_of(train_cfg))
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
    seeds: Annotated[int, typer.Option(help="Model seeds per split.", min=1, max=10)] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the splits; models: seed + k.")] = 0,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Repeated stratified k-fold on the TRAINING split: the network beside 4 models, 2 rules."""
    from .extras.cv_report import run_cv_command

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
    run_cv_command(data_cfg, model_cfg, train_cfg, folds, repeats, as_json, seeds)


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

    run = resolve_run(run_dir, runs_dir, APP)  # no run: the one line that says to train first
    from .extras.evaluate import evaluate as run_evaluation

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

    from common.lookup import resolve_run

    from .cli_predict import check_predict_options, show_predictions
    from .csv_files import read_passengers
    from .predict import load_predictor

    described = {"--pclass": pclass, "--sex": sex, "--age": age, "--fare": fare}
    described |= {"--embarked": embarked, "--name": name, "--cabin": cabin}
    described |= {"--sibsp": sibsp or None, "--parch": parch or None}
    check_predict_options(csv, described, outputs={"--out": out, "--kaggle": kaggle})
    predictor = load_predictor(resolve_run(run_dir, runs_dir, APP))
    submission = None
    if kaggle is not None and csv is not None:
        from .extras.kaggle import kaggle_submission

        submission, table = kaggle_submission(predictor, csv)
    elif csv is not None:
        table = predictor.predict_frame(read_passengers(csv), source=str(csv))
    else:
        row = {"Pclass": pclass, "Sex": sex, "Age": age, "SibSp": sibsp, "Parch": parch}
        row |= {"Fare": fare, "Embarked": embarked, "Name": name, "Cabin": cabin}
        table = predictor.predict_frame(pd.DataFrame([row]), "--options")
    show_predictions(table, as_json, out, kaggle, submission)


def find_lr(train_cfg: TrainConfig) -> Any:
    """`refapps titanic lr-find`: the LR range test on the default data and one network."""
    from common.device import pick_device
    from common.lr_find import find_lr as range_test

    from .model import build_model
    from .train import make_loss, make_optimizer, prepare

    loaders, args = prepare(DataConfig(), ModelConfig(), train_cfg)
    network = build_model(args).members[0]  # the default model holds one network
    optimizer = make_optimizer(network, train_cfg)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    device = pick_device(train_cfg.device)
    return range_test(network, make_loss(), optimizer, loaders.train, device, plot_path)


def trains_an_ensemble(num_models: int, resume: Path | None) -> bool:
    """--num-models above 1, or --resume of a run that was started as an ensemble."""
    if resume is None:
        return num_models > 1
    from common.runs import read_config, resume_checkpoint

    saved = read_config(resume_checkpoint(Path(resume)).parent)
    model = saved.get("model") if isinstance(saved, dict) else None
    count = model.get("num_models") if isinstance(model, dict) else None
    return isinstance(count, int) and count > 1


def parse_hidden(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as err:
        raise UserError(f"--hidden takes comma-separated widths like 32,16 (got {text!r})") from err


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
