"""Terminal output: one rich console, a throttled training progress bar, metric tables.

Library code stays quiet unless told `progress=True`; the CLI renders results. Rich drops
colours and live redraws by itself when output is not a terminal (and honours NO_COLOR).
`print_rows` shows at most 50 rows of a table and says how many exist and how to get all.

    refapps titanic predict --csv passengers.csv | cat   # a plain table, no ANSI codes
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

# under torchrun only rank 0 talks; RANK is set before any of our code runs
_IS_MAIN = int(os.environ.get("RANK", "0")) == 0
console = Console(highlight=False, quiet=not _IS_MAIN)
err_console = Console(stderr=True, highlight=False)


def format_value(value: Any) -> str:
    if value is None:  # a field the user left out (no name, no age): a dash, not "None"
        return "–"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def metrics_table(metrics: Mapping[str, Any], title: str | None = None) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        table.add_row(key, format_value(value))
    return table


def print_metrics(metrics: Mapping[str, Any], title: str | None = None) -> None:
    console.print(metrics_table(metrics, title))


def print_run(metrics: Mapping[str, Any], run_dir: Any, title: str) -> None:
    """A finished training run: its metrics as a table, then where its folder is."""
    print_metrics(metrics, title=title)
    console.print(f"Run folder: {run_dir}")


MAX_TABLE_ROWS = 50


def dataframe_table(
    rows: list[dict[str, Any]],
    title: str | None = None,
    max_rows: int | None = None,
    total: int | None = None,
    all_hint: str = "use --out FILE.csv for all",
) -> RenderableType:
    """A table of `rows` (dicts with the same keys) that says when it shows only some.

    Long cells (file names, paths) wrap inside their column instead of being cut off.

    Args:
        rows: the rows; only the first `max_rows` are shown (None: all).
        title: shown above the table.
        max_rows: the most rows to show.
        total: how many rows exist when `rows` is already a cut (default `len(rows)`).
        all_hint: how to get every row, said under the table when some are left out.
    """
    total = len(rows) if total is None else total
    shown = rows if max_rows is None else rows[:max_rows]
    table = Table(title=title, show_header=True, header_style="bold")
    if rows:
        for column in rows[0]:
            numeric = all(_is_number(row.get(column)) for row in shown)
            justify = "right" if numeric else "left"
            table.add_column(str(column), justify=justify, overflow="fold")
        for row in shown:
            table.add_row(*(format_value(row.get(column)) for column in rows[0]))
    if len(shown) >= total:
        return table
    # a line of its own: a caption would be squeezed to the width of a narrow table
    return Group(table, Text(f"First {len(shown):,} of {total:,} rows; {all_hint}."))


def print_rows(
    rows: list[dict[str, Any]],
    title: str | None = None,
    max_rows: int | None = MAX_TABLE_ROWS,
    **options: Any,
) -> None:
    """Print at most `max_rows` of `rows` and say how to get the rest (see `dataframe_table`).

    Apps pass `total=` when they already cut the rows, and `all_hint=` when `--out` is not
    how this command gives every row.
    """
    console.print(dataframe_table(rows, title, max_rows=max_rows, **options))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class TrainingProgress:
    """A per-epoch progress bar that reads the running loss at most every `refresh_seconds`.

    Reading a GPU loss is a host sync, so it happens only on the throttled refresh and the
    bar never slows training down. `enabled=False` makes every call a no-op.
    """

    def __init__(self, enabled: bool = True, refresh_seconds: float = 0.5) -> None:
        self.enabled = enabled
        self.refresh_seconds = refresh_seconds
        self._progress: Progress | None = None
        self._task: Any = None
        self._last_refresh = 0.0

    def __enter__(self) -> TrainingProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[info]}"),
                console=console,
                transient=True,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def start(self, description: str, total: int | None) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(description, total=total, info="")
        self._last_refresh = 0.0

    def due(self) -> bool:
        """True when the bar wants fresh numbers (the caller then pays one host sync)."""
        return self._progress is not None and time.monotonic() - self._last_refresh >= (
            self.refresh_seconds
        )

    def advance(self, info: str | None = None) -> None:
        if self._progress is None:
            return
        if info is not None:
            self._progress.update(self._task, info=info)
            self._last_refresh = time.monotonic()
        self._progress.advance(self._task)

    def epoch_summary(self, record: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        # train metrics besides the loss stay in history.csv; the line keeps what people watch
        shown = {k: v for k, v in record.items() if k == "train/loss" or not k.startswith("train/")}
        parts = [f"{k} {format_value(v)}" for k, v in shown.items() if k != "epoch"]
        console.print(f"epoch {record['epoch']}: " + "  ".join(parts))
