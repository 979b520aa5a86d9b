"""Exceptions that mean "the user can fix this": the CLI shows them as one line, exit code 2.

Library code raises them with the fix in the message; `common.cli.handle_user_errors` renders
them. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix (bad path, bad value, missing data, no trained run)."""

    exit_code = 2


class DataNotFoundError(UserError):
    """A data set is neither on disk nor downloadable right now."""


class CheckpointError(UserError):
    """A checkpoint or run folder is missing, corrupt, foreign or refused for safety."""


class TrainingStopped(Exception):  # noqa: N818 (a stop, not an error)
    """Training ended early for a reason the user should read (non-finite loss, Ctrl-C).

    `run_dir` (when known) is where the last good checkpoint lives, so the CLI can print
    the resume command.
    """

    exit_code = 1

    def __init__(self, message: str, run_dir: str | None = None) -> None:
        super().__init__(message)
        self.run_dir = run_dir


class TrainingInterrupted(TrainingStopped):
    """Ctrl-C or SIGTERM: training stopped at a step boundary; exits 130 or 143 (128 + signal)."""

    exit_code = 130

    def __init__(self, message: str, run_dir: str | None = None, signal_name: str = "SIGINT"):
        super().__init__(message, run_dir)
        self.exit_code = 143 if signal_name == "SIGTERM" else 130
