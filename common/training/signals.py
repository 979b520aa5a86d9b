"""Ctrl-C and SIGTERM during training: note the signal, stop at the next step boundary.

    with stop_on_signals() as stop:
        ...
        check_step(loss, stop, state, run_dir)   # raises TrainingInterrupted once signalled

The last completed epoch's checkpoint stays on disk; the CLI prints the resume command and
exits 130 (SIGINT) or 143 (SIGTERM), the codes a shell or a scheduler expects.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import TrainingInterrupted

if TYPE_CHECKING:
    from common.training.state import LoopState


class StopRequest:
    """Set by SIGINT/SIGTERM; the loops check it between steps and stop cleanly."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def check(self, state: LoopState, run_dir: Path | None) -> None:
        """Raise `TrainingInterrupted` when a signal arrived in this process."""
        if self.signal_name is not None:
            self.raise_stop(state, run_dir)

    def raise_stop(self, state: LoopState, run_dir: Path | None) -> None:
        """Stop now: this process was signalled, or (under torchrun) another one was."""
        name = self.signal_name or "SIGTERM"
        who = name if self.signal_name else f"{name} to another process of this job"
        kept = (
            f" The last completed epoch ({state.epoch}) is saved in {run_dir}."
            if run_dir and state.epoch
            else ""
        )
        raise TrainingInterrupted(
            f"Training stopped by {who} during epoch {state.epoch + 1}.{kept}",
            run_dir=str(run_dir) if run_dir and state.epoch else None,
            signal_name=name,
        )


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Turn SIGINT/SIGTERM into a `StopRequest` for the duration of training (main thread only)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signum: int, _frame: object) -> None:
        request.signal_name = signal.Signals(signum).name

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
