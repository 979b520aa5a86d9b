"""Streamlit helpers shared by the apps' pages: find the run, say what to do, never crash.

    streamlit run apps/titanic/demo.py    # a page alone: it wraps itself in `page_errors`

Pages read runs from `$REFAPPS_RUNS_DIR` (default `runs`), so tests can point them at a
fixture run. `page_errors` turns anything unexpected into one error box that names the run
and the fix, with the traceback in a log file (`REFAPPS_DEBUG=1` shows it on the page).
Nothing here trains or downloads; the only file written is that log.
"""

from __future__ import annotations

import inspect
import os
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from common.boundary import DEBUG_ENV, debug_enabled, missing_extras
from common.errors import UserError
from common.lookup import latest_run, read_metrics
from common.runs import CURVES, HISTORY

RUNS_ENV = "REFAPPS_RUNS_DIR"
MAX_UPLOAD_MB = 20
REFRESH_SECONDS = 5
LOG_NAME = "pages.log"
TRAIN_TIME = "With default settings it takes from seconds to a few minutes on a laptop CPU."

# (app, run folder) of the page being drawn: set by `find_run_or_stop`, read by `page_errors`.
_page_run: ContextVar[tuple[str, Path] | None] = ContextVar("refapps_page_run", default=None)
_uploader_takes_limit = "max_upload_size" in inspect.signature(st.file_uploader).parameters


def runs_dir() -> Path:
    return Path(os.environ.get(RUNS_ENV, "runs"))


def train_command(app: str) -> str:
    """The command that trains `app` into the folder the pages read."""
    if RUNS_ENV in os.environ:
        return f"refapps {app} train --runs-dir {runs_dir().resolve()}"
    return f"refapps {app} train"


def find_run_or_stop(app: str, train_time: str = TRAIN_TIME) -> Path:
    """The newest run of `app`; without one, say how to train it, wait for it, stop the page.

    Args:
        app: the app's name (`refapps <app> train`).
        train_time: one sentence on how long default training takes, shown to the user.
    """
    try:
        run_dir = latest_run(runs_dir(), app)
    except UserError:
        st.info(
            f"No trained {app} model yet. Train one first:\n\n```\n{train_command(app)}\n```\n\n"
            f"Run it in a terminal in `{Path.cwd()}`, the folder this hub was started in: "
            f"the pages read runs from `{runs_dir().resolve()}`. {train_time} "
            "This page reloads by itself when the run is ready."
        )
        _wait_for_run(app)
        st.stop()
        raise  # st.stop() raises; this line is for type checkers
    _page_run.set((app, run_dir))
    return run_dir


@st.fragment(run_every=REFRESH_SECONDS)
def _wait_for_run(app: str) -> None:
    """Look for a new run every few seconds; rerun the whole page when one appears."""
    try:
        latest_run(runs_dir(), app)
    except UserError:
        st.caption(f"Last checked for a run at {time.strftime('%H:%M:%S')}.")
        return
    st.rerun()


def show_run_summary(run_dir: Path, metric_keys: tuple[str, ...] = ()) -> None:
    """The run's test metrics as `st.metric`s and its training curves (or, for one epoch, its
    figures: a curve needs two points)."""
    try:
        metrics: dict[str, Any] = read_metrics(run_dir)
    except UserError as err:
        st.warning(f"{err}\n\nTrain again to rewrite it: the model itself may still work.")
        metrics = {}
    shown = [k for k in (metric_keys or tuple(metrics)) if isinstance(metrics.get(k), int | float)]
    if shown:
        for column, key in zip(st.columns(len(shown)), shown, strict=True):
            column.metric(key, f"{metrics[key]:.3f}")
    history = _read_history(run_dir / HISTORY)
    if history is not None and len(history) == 1:
        st.caption(f"{run_dir.name} trained for one epoch, so there is no curve; its figures:")
        st.dataframe(_one_epoch_table(history).round(4), width="content")
        return
    curves = run_dir / CURVES
    if curves.is_file():
        st.image(str(curves), caption=f"Training curves of {run_dir.name}")


def _one_epoch_table(history: pd.DataFrame) -> pd.DataFrame:
    """One row per metric, one column per split ("train/loss" -> row loss, column train)."""
    table: dict[str, dict[str, float]] = {}
    for key, value in history.iloc[0].items():
        split, _, name = str(key).partition("/")
        if name:
            table.setdefault(name, {})[split] = value
    return pd.DataFrame.from_dict(table, orient="index")


def _read_history(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path) if path.is_file() else None
    except (ValueError, OSError, UnicodeDecodeError):
        return None


def upload_file(
    label: str, expected: str, types: list[str], key: str, multiple: bool = False
) -> Any:
    """`st.file_uploader` whose label says, in words, what to upload and the real size limit.

    Example: `upload_file("Passenger CSV", "a .csv with the Titanic columns", ["csv"], "upload")`
    shows "Passenger CSV: a .csv with the Titanic columns, up to 20 MB".
    """
    limit = {"max_upload_size": MAX_UPLOAD_MB} if _uploader_takes_limit else {}
    return st.file_uploader(
        f"{label}: {expected}, up to {MAX_UPLOAD_MB} MB",
        type=types,
        key=key,
        accept_multiple_files=multiple,
        **limit,
    )


def upload_too_large(uploaded: Any, max_mb: int = MAX_UPLOAD_MB) -> bool:
    """True (and an error shown) when an uploaded file exceeds `max_mb`."""
    if uploaded is not None and uploaded.size > max_mb * 1024 * 1024:
        st.error(f"{uploaded.name} is larger than {max_mb} MB; upload a smaller file.")
        return True
    return False


@contextmanager
def page_errors(page: str) -> Iterator[None]:
    """Draw a page; anything it raises becomes one error box instead of a traceback.

    At the end of a page script: `with page_errors("Titanic: who survives?"): main()`. The
    box names what failed, the run in use (from `find_run_or_stop`), what to do, and the log
    file holding the traceback. Nested (the hub wraps each page too), the inner boundary
    draws the one box. `st.stop()` and `st.rerun()` pass through untouched.
    """
    token = _page_run.set(None)
    try:
        yield
    except Exception as err:  # st.stop/st.rerun raise BaseExceptions, which pass
        show_page_error(page, err, _page_run.get())
    finally:
        _page_run.reset(token)


def show_page_error(page: str, err: Exception, run: tuple[str, Path] | None = None) -> None:
    """One error box: what failed, on which run, what to do, and where the traceback is."""
    app, run_dir = run if run is not None else (None, None)
    log_path = log_exception(page, err, run_dir)
    where = f" (run `{run_dir}`)" if run_dir is not None else ""
    todo = "If you just uploaded a file or changed an input, check it and try again."
    if run_dir is not None:
        todo += (
            " If the page fails every time, its run may be broken (a half-copied or edited "
            f"file): delete the folder `{run_dir}` or train a new run "
            f"(`{train_command(str(app))}`); the page then uses the newest good run."
        )
    what = missing_extras(err) or (
        str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
    )
    log = f"The traceback is in `{log_path}`." if log_path else "The log could not be written."
    st.error(
        f"**{page}** stopped with an unexpected error{where}.\n\n{what}\n\n{todo}\n\n"
        f"{log} Set {DEBUG_ENV}=1 to show it here."
    )
    if debug_enabled():
        st.exception(err)


def log_exception(page: str, err: BaseException, run_dir: Path | None = None) -> Path | None:
    """Append the traceback to `<cache>/logs/pages.log`; its path, or None when unwritable."""
    from common.data import cache_dir

    try:
        path = cache_dir("logs") / LOG_NAME
        with path.open("a", encoding="utf-8") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {page} run={run_dir}\n")
            log.write("".join(traceback.format_exception(err)))
    except OSError:
        return None
    return path


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
