"""The training progress bar: a live bar while an epoch runs, then one line for it.

The loops call `bar.start(...)` per pass, `bar.advance(...)` per batch and
`bar.epoch_summary(record)` per epoch. Rich drops live redraws by itself when output is not
a terminal; `enabled=False` (`progress=False`, ranks other than 0 under torchrun) makes every
call a no-op. `console` is the stdout console the CLI prints on too. Torch-free.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# under torchrun only rank 0 talks; RANK is set before any of our code runs
console = Console(highlight=False, quiet=int(os.environ.get("RANK", "0")) != 0)


def format_value(value: Any) -> str:
    """A number as tables and epoch lines show it (4 decimals; a dash for a missing value)."""
    if value is None:  # a field the user left out (no name, no age): a dash, not "None"
        return "–"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


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
