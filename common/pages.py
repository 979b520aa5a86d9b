"""Streamlit helpers shared by the apps' pages: find the run, say what to do when there is none.

Pages read runs from `$REFAPPS_RUNS_DIR` (default `runs`), so tests can point them at a
fixture run. Nothing here trains, downloads or writes files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from common.errors import UserError
from common.runs import CURVES, latest_run, read_metrics

RUNS_ENV = "REFAPPS_RUNS_DIR"
MAX_UPLOAD_MB = 20


def runs_dir() -> Path:
    return Path(os.environ.get(RUNS_ENV, "runs"))


def find_run_or_stop(app: str) -> Path:
    """The newest run of `app`; without one, show the command that trains it and stop the page."""
    try:
        return latest_run(runs_dir(), app)
    except UserError:
        st.info(f"No trained {app} model yet. Train one first:\n\n```\nrefapps {app} train\n```")
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


def show_run_summary(run_dir: Path, metric_keys: tuple[str, ...] = ()) -> None:
    """The run's test metrics as `st.metric`s and its training curves."""
    metrics: dict[str, Any] = read_metrics(run_dir)
    shown = [k for k in (metric_keys or tuple(metrics)) if isinstance(metrics.get(k), int | float)]
    if shown:
        for column, key in zip(st.columns(len(shown)), shown, strict=True):
            column.metric(key, f"{metrics[key]:.3f}")
    curves = run_dir / CURVES
    if curves.is_file():
        st.image(str(curves), caption=f"Training curves of {run_dir.name}")


def upload_too_large(uploaded: Any, max_mb: int = MAX_UPLOAD_MB) -> bool:
    """True (and an error shown) when an uploaded file exceeds `max_mb`."""
    if uploaded is not None and uploaded.size > max_mb * 1024 * 1024:
        st.error(f"{uploaded.name} is larger than {max_mb} MB; upload a smaller file.")
        return True
    return False
