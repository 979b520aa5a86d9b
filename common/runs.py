"""Run folders: `runs/<app>/<YYYYmmdd-HHMMSS>/`, opened, resumed and finished by `train`.

    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)  # --resume
    run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
    ...train...
    finish_run(run_dir, history, metrics)

A training run writes, as it goes: `config.json` (every config, seed, versions, git sha),
`model.json` + `model.safetensors` (the best epoch so far), `last.pt` (resume),
`history.csv`; and at the end `metrics.json`, `curves.png` and `runs/<app>/LATEST`.
`evaluate`, `predict` and the pages find the newest finished run with `common.lookup`.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from common.checkpoint import RESUME_CHECKPOINT, library_versions, load_resume_checkpoint
from common.config import TrainConfig
from common.errors import CheckpointError, UserError, set_active_run
from common.files import atomic_write, ensure_folder, read_json, write_json

LATEST = "LATEST"
CONFIG = "config.json"
METRICS = "metrics.json"
HISTORY = "history.csv"
CURVES = "curves.png"
PROJECT_DIR = Path(__file__).resolve().parents[1]


def new_run_dir(runs_dir: Path, app: str) -> Path:
    """A fresh, empty `runs_dir/app/<timestamp>` (suffixed when two runs start in one second)."""
    ensure_folder(Path(runs_dir), "--runs-dir")
    base = ensure_folder(Path(runs_dir) / app)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ["", *(f"-{i}" for i in range(1, 1000))]:
        run_dir = base / f"{stamp}{suffix}"
        try:
            run_dir.mkdir()
        except FileExistsError:
            continue
        return run_dir
    raise UserError(f"Too many runs started this second in {base}.")


def mark_latest(run_dir: Path) -> None:
    """Point `runs/<app>/LATEST` (a text file, so it works where symlinks don't) at `run_dir`."""
    atomic_write(run_dir.parent / LATEST, lambda tmp: tmp.write_text(run_dir.name + "\n"))


def git_sha(project_dir: Path = PROJECT_DIR) -> str | None:
    """The commit of the project's own checkout (not of the current folder), or None."""
    try:
        out = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--show-toplevel", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2:
        return None
    # an installed copy may sit inside some other repository: that commit is not ours
    return lines[1] if Path(lines[0]).resolve() == Path(project_dir).resolve() else None


def write_config(run_dir: Path, app: str, **configs: Any) -> None:
    """Write `config.json`: every config dataclass, plus versions and the git sha."""
    data: dict[str, Any] = {"app": app}
    for name, cfg in configs.items():  # paths become strings, tuples lists (`write_json`)
        data[name] = asdict(cfg) if is_dataclass(cfg) and not isinstance(cfg, type) else cfg
    data["versions"] = library_versions()
    data["git_sha"] = git_sha()
    write_json(run_dir / CONFIG, data)


def read_config(run_dir: Path) -> dict[str, Any]:
    return read_json(Path(run_dir) / CONFIG, "Run configuration (config.json)")


def finish_run(
    run_dir: Path, history_records: list[dict[str, Any]], metrics: dict[str, Any]
) -> None:
    """Write `metrics.json` and `curves.png`, then point `LATEST` at this run."""
    from common.plots import plot_history, save_figure

    write_json(run_dir / METRICS, metrics)
    if history_records:
        save_figure(plot_history(history_records), run_dir / CURVES)
    mark_latest(run_dir)


@dataclass
class RunResult:
    """What an app's `train()` returns: the run folder and what the run measured.

    `metrics` are the final ones, keyed by split so they say what they are (`test/accuracy`,
    or `in_sample/mape` where the model was scored on what it trained on).
    """

    run_dir: Path
    metrics: dict[str, float]
    history: list[dict[str, Any]]
    train_seconds: float


def run_configs(data_cfg: Any, model_cfg: Any, train_cfg: TrainConfig) -> tuple[Any, Any, Any]:
    """The configs to train with: as given, or under `--resume` the run's own `config.json`.

    Training the same run on with other settings would not be a resume, so a resume takes
    every setting from `config.json` and trains to the run's own epoch count; only
    `--epochs`, when given (`train_cfg.epochs` not None), sets another count.

    Returns:
        `(data_cfg, model_cfg, train_cfg)`.
    """
    if train_cfg.resume is None:
        return data_cfg, model_cfg, train_cfg
    saved = resumed_config(train_cfg.resume)
    saved_train = restore_config(TrainConfig, saved["train"], resume=train_cfg.resume)
    epochs = saved_train.epochs if train_cfg.epochs is None else train_cfg.epochs
    return (
        restore_config(type(data_cfg), saved["data"]),
        restore_config(type(model_cfg), saved["model"]),
        replace(saved_train, epochs=epochs),
    )


def resumed_config(resume: Path) -> dict[str, Any]:
    """The `config.json` of the run `--resume` names, checked to hold its three configs."""
    run_dir = resume_checkpoint(Path(resume)).parent
    saved = read_config(run_dir)
    if not isinstance(saved, dict) or not {"data", "model", "train"} <= saved.keys():
        raise CheckpointError(f"{run_dir} has no usable config.json to resume from.")
    return saved


def open_run(
    app: str, data_cfg: Any, model_cfg: Any, train_cfg: TrainConfig
) -> tuple[Path, Path | None]:
    """`start_run` with an app's three configs: a new run folder, or the resumed one.

    Returns:
        `(run_dir, resume)`: `resume` is the accepted `last.pt` to continue from, or None.
    """
    configs = {"data": data_cfg, "model": model_cfg, "train": train_cfg}
    return start_run(train_cfg.runs_dir, app, train_cfg.resume, **configs)


def start_run(
    runs_dir: Path, app: str, resume: Path | None, **configs: Any
) -> tuple[Path, Path | None]:
    """A new run folder with `config.json`, or the folder being resumed and its `last.pt`.

    A resume reads and checks `last.pt` before anything in the folder is written, so a
    refused checkpoint leaves the run as it was; a new `--epochs` then goes into its
    `config.json`. Under `torchrun` only rank 0 writes the run; the other ranks get a
    scratch folder for anything the app writes, so the run holds one copy of each file.
    """
    from common.device import rank

    if rank() != 0:
        import tempfile

        return Path(tempfile.mkdtemp(prefix=f"refapps-{app}-rank{rank()}-")), (
            None if resume is None else resume_checkpoint(Path(resume))
        )
    if resume is None:
        run_dir = new_run_dir(runs_dir, app)
        write_config(run_dir, app, **configs)
        set_active_run(run_dir)
        return run_dir, None
    checkpoint = resume_checkpoint(Path(resume))
    run_dir = checkpoint.parent
    saved = read_config(run_dir)
    saved_app = saved.get("app") if isinstance(saved, dict) else None
    if saved_app != app:
        raise CheckpointError(f"{run_dir} is a {saved_app!r} run, not a {app!r} one.")
    load_resume_checkpoint(checkpoint)  # refused here, before the app writes a file
    epochs = getattr(configs.get("train"), "epochs", None)
    if isinstance(saved.get("train"), dict) and epochs not in (None, saved["train"].get("epochs")):
        saved["train"]["epochs"] = epochs  # the count this run now trains to
        write_json(run_dir / CONFIG, saved)
    set_active_run(run_dir)
    return run_dir, checkpoint


def resume_checkpoint(resume: Path) -> Path:
    """The `last.pt` that `--resume` names (a run folder, or the `last.pt` in one).

    Raises:
        UserError: no such folder, not a run folder, or nothing to resume in it; the message
            names what the user typed.
    """
    typed = Path(resume)
    resume = typed.expanduser()
    if not resume.exists():
        raise UserError(
            f"--resume {typed}: no such folder; pass a run folder such as runs/<app>/<timestamp>."
        )
    if resume.is_file() and resume.name != RESUME_CHECKPOINT:
        raise UserError(f"--resume {typed} is a file; pass its run folder instead.")
    checkpoint = resume / RESUME_CHECKPOINT if resume.is_dir() else resume
    if not checkpoint.is_file():
        raise UserError(f"Nothing to resume in {resume}: it has no {RESUME_CHECKPOINT}.")
    return checkpoint


def restore_config(cls: type, data: dict[str, Any], **overrides: Any) -> Any:
    """Rebuild a config dataclass from its `config.json` form (lists -> tuples, str -> Path)."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value, type_text = data[f.name], str(f.type)
        if isinstance(value, list) and "tuple" in type_text:
            value = tuple(value)
        elif isinstance(value, str) and "Path" in type_text:
            value = Path(value)
        values[f.name] = value
    values.update(overrides)
    return cls(**values)
