"""Terminal output of the front-ends: metric tables, row tables, the error console.

Library code stays quiet (training draws only its progress bar, `common.progress`, on the
same `console`); the CLI renders results. Rich drops colours when output is not a terminal
(and honours NO_COLOR). `print_rows` shows at most 50 rows of a table and says how many
exist and how to get all.

    refapps titanic predict --csv passengers.csv | cat   # a plain table, no ANSI codes
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from common.progress import console, format_value

err_console = Console(stderr=True, highlight=False)


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
