"""Streamlit helpers shared by the apps' pages: find the run, say what to do when there is none.

Pages read runs from `$REFAPPS_RUNS_DIR` (default `runs`), so tests can point them at a
fixture run. Nothing here trains, downloads or writes files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
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


def verdict_text(probabilities: dict[str, float], uncertain_within: float = 0.1) -> str:
    """One line for the most likely class, or "uncertain" when the top two are close.

    Binary models are uncertain when the top probability is within `uncertain_within` of 50 %;
    with more classes, when the top two are within `uncertain_within` of each other.
    """
    if not probabilities:
        return "No prediction"
    ranked = sorted(probabilities.items(), key=lambda item: item[1], reverse=True)
    label, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top - runner_up < 2 * uncertain_within:
        return f"Uncertain: {label} at {top:.0%}, {ranked[1][0]} at {runner_up:.0%}"
    return f"{label} ({top:.0%})"


def show_label(probabilities: dict[str, float], uncertain_within: float = 0.1) -> None:
    """A verdict and one bar per class on a fixed 0-100 % axis, like a Gradio Label.

    Args:
        probabilities: class name (as a person reads it) -> probability; they sum to 1.
        uncertain_within: how close to a tie counts as "uncertain" (see `verdict_text`).
    """
    import altair as alt

    text = verdict_text(probabilities, uncertain_within)
    if text.startswith("Uncertain"):
        st.warning(text)
    else:
        st.success(text)
    frame = pd.DataFrame(
        {"class": list(probabilities), "probability": [float(v) for v in probabilities.values()]}
    ).sort_values("probability", ascending=False)
    base = alt.Chart(frame).encode(
        y=alt.Y("class:N", sort=None, title=None),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("class:N"), alt.Tooltip("probability:Q", format=".1%")],
    )
    bars = base.mark_bar()
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("probability:Q", format=".1%"))
    chart = (bars + labels).properties(height=alt.Step(30))  # 30 px a class (a total squashed)
    st.altair_chart(chart, width="stretch")
