"""Run folders: `runs/<app>/<YYYYmmdd-HHMMSS>/` and the newest one.

A training run writes, as it goes: `config.json` (every config, seed, versions, git sha),
`model.json` + `model.safetensors` (the best epoch so far), `last.pt` (resume),
`history.csv`; and at the end `metrics.json`, `curves.png` and `runs/<app>/LATEST`.
`evaluate`, `predict` and the pages use the newest finished run unless told otherwise.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import asdict, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from common.checkpoint import MODEL_META, MODEL_WEIGHTS, library_versions
from common.errors import CheckpointError, UserError, set_active_run
from common.files import atomic_write, ensure_folder, read_json, remove_stale_temps, write_json

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


def is_finished(run_dir: Path) -> bool:
    return (run_dir / MODEL_WEIGHTS).is_file() and (run_dir / MODEL_META).is_file()


def latest_run(runs_dir: Path, app: str) -> Path:
    """The newest run of `app` that has a model (`LATEST` first, else the newest folder).

    Raises:
        UserError: there is no trained run; the message says how to train one.
    """
    runs_dir = Path(runs_dir).expanduser()
    if runs_dir.exists() and not runs_dir.is_dir():
        raise UserError(f"--runs-dir {runs_dir} is a file, not a folder; give the runs folder.")
    base = runs_dir / app
    marker = base / LATEST
    if marker.is_file():
        candidate = base / marker.read_text(encoding="utf-8").strip()
        if is_finished(candidate):
            return candidate
    runs = sorted((p for p in base.glob("*") if p.is_dir() and is_finished(p)), key=_run_order)
    if not runs:
        raise UserError(f"No trained {app} run in {base}. Train one first: refapps {app} train")
    return runs[-1]


def _run_order(run_dir: Path) -> tuple[str, int]:
    """Timestamp, then the same-second suffix as a number (so `-10` sorts after `-9`)."""
    match = re.fullmatch(r"(\d{8}-\d{6})(?:-(\d+))?", run_dir.name)
    return (match[1], int(match[2] or 0)) if match else (run_dir.name, 0)


def resolve_run(run_dir: Path | None, runs_dir: Path, app: str) -> Path:
    """`run_dir` when given (checked), else the newest run of `app`."""
    if run_dir is None:
        return latest_run(runs_dir, app)
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise UserError(f"Run folder not found: {run_dir}")
    if not is_finished(run_dir):
        raise CheckpointError(f"{run_dir} has no trained model (model.safetensors + model.json).")
    return run_dir


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
    for name, cfg in configs.items():
        data[name] = _jsonable(cfg)
    data["versions"] = library_versions()
    data["git_sha"] = git_sha()
    write_json(run_dir / CONFIG, data)


def read_config(run_dir: Path) -> dict[str, Any]:
    return read_json(Path(run_dir) / CONFIG, "Run configuration (config.json)")


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def finish_run(
    run_dir: Path, history_records: list[dict[str, Any]], metrics: dict[str, Any]
) -> None:
    """Write `metrics.json` and `curves.png`, then point `LATEST` at this run."""
    from common.plots import plot_history, save_figure

    write_json(run_dir / METRICS, metrics)
    if history_records:
        save_figure(plot_history(history_records), run_dir / CURVES)
    mark_latest(run_dir)


def read_metrics(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / METRICS
    return read_json(path, "metrics.json") if path.is_file() else {}


def start_run(
    runs_dir: Path, app: str, resume: Path | None, **configs: Any
) -> tuple[Path, Path | None]:
    """A new run folder with `config.json`, or the folder being resumed and its `last.pt`.

    Under `torchrun` only rank 0 writes the run; the other ranks get a scratch folder for
    anything the app writes, so the real run holds exactly one copy of each file.
    """
    from common.device import rank

    if rank() != 0:
        import tempfile

        return Path(tempfile.mkdtemp(prefix=f"refapps-{app}-rank{rank()}-")), (
            None if resume is None else _resume_checkpoint(Path(resume))
        )
    if resume is None:
        run_dir = new_run_dir(runs_dir, app)
        write_config(run_dir, app, **configs)
        set_active_run(run_dir)
        return run_dir, None
    checkpoint = _resume_checkpoint(Path(resume))
    run_dir = checkpoint.parent
    saved = read_config(run_dir)
    saved_app = saved.get("app") if isinstance(saved, dict) else None
    if saved_app != app:
        raise CheckpointError(f"{run_dir} is a {saved_app!r} run, not a {app!r} one.")
    remove_stale_temps(run_dir)  # temp files of the save the kill interrupted
    set_active_run(run_dir)
    return run_dir, checkpoint


def resume_folder(resume: Path) -> Path:
    """The run folder `--resume` names (the folder itself, or the folder of its `last.pt`).

    Raises:
        UserError: the path does not exist or is not a run folder; names what the user typed.
    """
    typed = Path(resume)
    resume = typed.expanduser()
    if not resume.exists():
        raise UserError(
            f"--resume {typed}: no such folder; pass a run folder such as runs/<app>/<timestamp>."
        )
    if resume.is_dir():
        return resume
    if resume.name != "last.pt":
        raise UserError(f"--resume {typed} is a file; pass its run folder instead.")
    return resume.parent


def _resume_checkpoint(resume: Path) -> Path:
    run_dir = resume_folder(resume)
    checkpoint = run_dir / "last.pt"
    if not checkpoint.is_file():
        raise UserError(f"Nothing to resume in {run_dir}: it has no last.pt.")
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


def resume_configs(train_cfg: Any, data_cls: type, model_cls: type) -> tuple[Any, Any, Any]:
    """The data, model and train configs a run was started with, for `--resume RUN_DIR`.

    Training the same run on with different settings would not be a resume, so everything
    comes from `config.json`; only `--epochs` may be raised, to train longer.
    """
    from common.config import TrainConfig

    run_dir = resume_folder(Path(train_cfg.resume))
    saved = read_config(run_dir)
    if not isinstance(saved, dict) or not {"data", "model", "train"} <= saved.keys():
        raise CheckpointError(f"{run_dir} has no usable config.json to resume from.")
    saved_train = restore_config(TrainConfig, saved["train"], resume=train_cfg.resume)
    return (
        restore_config(data_cls, saved["data"]),
        restore_config(model_cls, saved["model"]),
        replace(saved_train, epochs=max(saved_train.epochs, train_cfg.epochs)),
    )
