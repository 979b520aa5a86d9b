"""The project's error types: what library code raises, and what each means to the user.

Library code raises a `UserError` (or a subclass) with the fix in the message; the CLI shows
it as one line with exit code 2 (`common.boundary` turns anything else into one line plus a
log file). A training stop carries the run folder to resume from. Torch-free, so anything
can import it cheaply.

    raise UserError("--epochs must be at least 1 (got 0)")
"""

from __future__ import annotations

from pathlib import Path

_active_run_dir: Path | None = None


class UserError(Exception):
    """A mistake the user can fix (bad path, bad value, missing data, no trained run)."""

    exit_code = 2


class DataNotFoundError(UserError):
    """A data set is neither on disk nor downloadable right now."""


class CheckpointError(UserError):
    """A checkpoint or run folder is missing, corrupt, foreign or refused for safety."""


class MissingKeyError(CheckpointError, KeyError):
    """A saved file (model.json, last.pt) lacks an entry the code needs.

    Also a `KeyError`, so `dict`-style code that expects one keeps working.
    """

    __str__ = Exception.__str__  # KeyError would quote the whole message


class TrainingStopped(Exception):  # noqa: N818 (a stop, not an error)
    """Training ended early for a reason the user should read (non-finite loss, Ctrl-C).

    `run_dir` (when known) is where the last good checkpoint lives, so the CLI can print
    the resume command.
    """

    exit_code = 1

    def __init__(
        self, message: str, run_dir: str | None = None, exit_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        if exit_code is not None:  # e.g. 143 for SIGTERM, where the class says 130 (SIGINT)
            self.exit_code = exit_code


class TrainingInterrupted(TrainingStopped):
    """Ctrl-C or SIGTERM: training stopped at a step boundary; exits 130 or 143 (128 + signal)."""

    exit_code = 130

    def __init__(self, message: str, run_dir: str | None = None, signal_name: str = "SIGINT"):
        super().__init__(message, run_dir, exit_code=143 if signal_name == "SIGTERM" else 130)


def set_active_run(run_dir: Path | None) -> None:
    """Remember the run being written, so a crash log lands next to it (None forgets it)."""
    global _active_run_dir
    _active_run_dir = None if run_dir is None else Path(run_dir)


def active_run() -> Path | None:
    """The run being written (`common.runs.start_run` sets it): where a crash log goes."""
    return _active_run_dir
