"""Which run a command or a page uses (`--run-dir`, else the app's newest), and its metrics.

    refapps titanic evaluate                      # the newest finished titanic run
    refapps titanic evaluate --run-dir runs/titanic/20260101-120000

The newest is the one `runs/<app>/LATEST` names (written when a run finishes), else the
newest folder with a model; an unfinished run (no `model.safetensors` + `model.json`) is
never picked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from common.checkpoint import MODEL_META, MODEL_WEIGHTS
from common.errors import CheckpointError, UserError
from common.files import read_json
from common.runs import LATEST, METRICS


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


def read_metrics(run_dir: Path) -> dict[str, Any]:
    """The run's `metrics.json` (empty when training has not finished)."""
    path = Path(run_dir) / METRICS
    return read_json(path, "metrics.json") if path.is_file() else {}
