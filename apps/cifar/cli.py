"""Front-end: the command line, `refapps cifar download | train | evaluate | predict | lr-find`.

    refapps cifar train                        # CIFAR-2 from REFAPPS_DATA/cifar2
    refapps cifar train --dataset cifar10 --epochs 20
    refapps cifar train --data-dir my_photos   # my_photos/{train,test}/<class>/*.jpg
    refapps cifar evaluate
    refapps cifar predict photo.png photos/ --out predictions.csv

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports (torch, the app's modules) happen inside the commands to keep `--help` fast;
`dispatch.py` picks the code an option needs from `extras/`, importing it only then, so a
copy of the app without `extras/` runs the defaults.
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
    help="Image classification: CIFAR-2, CIFAR-10 or your own folders.", no_args_is_help=True
)

DATA_DEFAULTS, MODEL_DEFAULTS = DataConfig(), ModelConfig()
DataDirOpt = Annotated[
    Path | None,
    typer.Option(help="An image folder with train/<class>/ (and test/<class>/) to use instead."),
]
FlipOpt = Annotated[bool, typer.Option("--flip/--no-flip", help="Average with the mirror image.")]
MAX_TABLE_ROWS = 50  # longer results: --out writes them all


@app.command()
@handle_user_errors
def download() -> None:
    """Download CIFAR-10 through torchvision (md5-checked; nothing to do when present)."""
    from common.boundary import needs_extra

    with needs_extra(APP, "download (CIFAR-10)"):
        from .extras.cifar10 import load_cifar10

    data = load_cifar10(train=False, two_classes=False, size=32)
    typer.echo(f"ok  CIFAR-10 ({', '.join(data.classes)})")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
def train(
    train_cfg: TrainConfig,
    dataset: Annotated[str, typer.Option(help="cifar2 or cifar10.")] = DATA_DEFAULTS.dataset,
    data_dir: DataDirOpt = None,
    val_fraction: Annotated[
        float, typer.Option(help="Hold out this share of train for validation.")
    ] = DATA_DEFAULTS.val_fraction,
    image_size: Annotated[
        int, typer.Option(help="Resize images to this many pixels square.")
    ] = DATA_DEFAULTS.image_size,
    augment: Annotated[
        bool, typer.Option("--augment/--no-augment", help="Random crops and flips.")
    ] = DATA_DEFAULTS.augment,
    model: Annotated[
        str, typer.Option(help="cnn (fast default) or tutorial.")
    ] = MODEL_DEFAULTS.name,
    width: Annotated[int, typer.Option(help="Channels of the first block.")] = MODEL_DEFAULTS.width,
    compile_model: Annotated[
        bool, typer.Option("--compile", help="torch.compile the model (best on a GPU).")
    ] = False,
) -> None:
    """Train a CNN; prints the test metrics and the run folder."""
    from common.cli import refuse_ignored_resume_options
    from common.console import print_run
    from common.runs import run_configs
    from common.training.styles import loop_named

    from .dispatch import model_builder, splits_loader
    from .train import train as run_training

    refuse_ignored_resume_options(train_cfg.resume)
    data_cfg = DataConfig(dataset, data_dir, val_fraction, image_size, augment)
    model_cfg = ModelConfig(model, width, compile_model)
    # under --resume the run's own config.json decides which data and model it needs
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    load, build = splits_loader(data_cfg), model_builder(model_cfg.name)
    loop = loop_named(train_cfg.loop)
    result = run_training(data_cfg, model_cfg, train_cfg, load=load, build=build, loop=loop)
    title = f"CIFAR test metrics ({result.train_seconds:.1f} s training)"
    print_run(result.metrics, result.run_dir, title)


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirOpt = None,
    data_dir: DataDirOpt = None,
    flip: FlipOpt = True,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Accuracy, ROC AUC or macro F1, per-class accuracy, confusion matrix and worst images."""
    from common.boundary import needs_extra
    from common.console import console, print_metrics
    from common.lookup import resolve_run

    from .dispatch import run_builder, run_data_config, splits_loader

    with needs_extra(APP, "evaluate"):
        from .extras.report import evaluate as run_evaluation

    run = resolve_run(run_dir, runs_dir, APP)
    data_cfg = run_data_config(run, data_dir)
    load, build = splits_loader(data_cfg), run_builder(run)
    result = run_evaluation(run, data_cfg, load, build, flip)
    if as_json:
        typer.echo(json.dumps(result))
        return
    matrix = result.pop("confusion_matrix")
    print_metrics(result, title=f"CIFAR test metrics ({run})")
    console.print(f"Confusion matrix (rows: true, columns: predicted {matrix['classes']}):")
    for row in matrix["values"]:
        console.print(str(row))
    console.print(f"Figures: {run / 'confusion_matrix.png'}, {run / 'worst_images.png'}")


@app.command()
@handle_user_errors
def predict(
    inputs: Annotated[list[Path], typer.Argument(help="Image files and/or folders of images.")],
    run_dir: RunDirOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Write every prediction to this CSV file.")
    ] = None,
    flip: FlipOpt = False,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Class and probabilities per image; unreadable files are skipped (exit 2 if all are)."""
    from common.console import console, err_console, print_rows
    from common.errors import UserError
    from common.files import check_output_file
    from common.lookup import resolve_run

    from .dispatch import run_builder
    from .predict import load_predictor

    check_output_file("--out", out, "predictions.csv")
    run = resolve_run(run_dir, runs_dir, APP)
    predictor = load_predictor(run, build=run_builder(run))
    results = predictor.predict([(str(p), p) for p in image_paths(inputs)], flip=flip)
    failed = [r.error for r in results if r.error]
    for error in failed:
        err_console.print(f"[red]Skipped[/] {error}", soft_wrap=True)
    rows = [{"file": r.name, "label": r.label, **r.probs} for r in results if not r.error]
    if not rows:
        raise UserError(f"None of the {len(results)} files is a readable image; nothing written.")
    skipped = f"; {len(failed)} unreadable skipped (listed above)" if failed else ""
    if out is not None:
        write_csv(out, rows)
        console.print(f"Wrote {len(rows)} predictions to {out}{skipped}", soft_wrap=True)
    elif as_json:
        typer.echo(json.dumps(rows))
    else:
        print_rows(rows, title="Predictions", max_rows=MAX_TABLE_ROWS)
        if skipped:
            console.print(f"{len(rows)} predicted{skipped}")


def write_csv(out: Path, rows: list[dict[str, object]]) -> None:
    """Rows -> a CSV written atomically; an unwritable path is the user's to fix."""
    import pandas as pd

    from common.errors import UserError
    from common.files import atomic_write

    try:
        atomic_write(out, lambda tmp: pd.DataFrame(rows).to_csv(tmp, index=False))
    except OSError as err:
        raise UserError(f"Cannot write --out {out} ({err.strerror or err}).") from err


def image_paths(inputs: list[Path]) -> list[Path]:
    """Files as given, and the image files inside any folder (recursively, sorted)."""
    from common.errors import UserError

    from .images import IMAGE_EXTENSIONS, IMAGE_TYPES

    paths: list[Path] = []
    for item in inputs:
        item = Path(item).expanduser()
        if item.is_dir():
            paths += sorted(p for p in item.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
        elif item.exists():
            paths.append(item)
        else:
            raise UserError(f"Not found: {item}. Give image files or folders of images.")
    if not paths:
        raise UserError(f"No image files ({IMAGE_TYPES}) in the given folders.")
    return paths


def find_lr(train_cfg: TrainConfig) -> Any:
    """`refapps cifar lr-find`: the LR range test on the default data and model."""
    import torch

    from common.device import pick_device
    from common.lr_find import find_lr as range_test

    from .dispatch import splits_loader
    from .train import MOMENTUM, make_loss, prepare

    device, data_cfg = pick_device(train_cfg.device), DataConfig()
    loaders, model, _ = prepare(data_cfg, ModelConfig(), train_cfg, device, splits_loader(data_cfg))
    optimizer = torch.optim.SGD(model.parameters(), lr=train_cfg.lr, momentum=MOMENTUM)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    return range_test(model, make_loss(), optimizer, loaders.train, device, plot_path)


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
