"""The project's error types, and how an unexpected one is told to the user and logged.

Library code raises a `UserError` (or a subclass) with the fix in the message; the CLI shows
it as one line with exit code 2. Anything else that escapes is a bug or an environment
problem: `describe_unexpected` turns it into one line (what failed, on which file, what to
do) and `write_error_log` keeps the full traceback in the run folder (when a run is active)
or in the cache folder. Torch-free, so the CLI root can import it cheaply.

    REFAPPS_DEBUG=1 refapps titanic predict passengers.csv   # show tracebacks instead
"""

from __future__ import annotations

import errno
import os
import sys
import time
import traceback
from pathlib import Path

DEBUG_ENV = "REFAPPS_DEBUG"
_PROJECT_DIR = Path(__file__).resolve().parents[1]
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


# --- unexpected errors: one line for the user, the traceback in a log file ----------------


def debug_enabled() -> bool:
    """True when `REFAPPS_DEBUG` asks for tracebacks instead of one-line errors."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def set_active_run(run_dir: Path | None) -> None:
    """Remember the run being written, so a crash log lands next to it (None forgets it)."""
    global _active_run_dir
    _active_run_dir = None if run_dir is None else Path(run_dir)


_OS_FIXES = {
    errno.EISDIR: "it is a folder; give a file path instead",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path",
    errno.ENOENT: "it does not exist; check the path",
    errno.EACCES: "permission denied; choose a location you can write to",
    errno.EPERM: "permission denied; choose a location you can write to",
    errno.ENOSPC: "the disk is full; free some space or choose another folder",
    errno.EROFS: "the file system is read-only; choose another folder",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
}


def explain(err: BaseException, command_path: str | None = None) -> tuple[int, str]:
    """The exit code and the one line to show for `err`.

    A `UserError` keeps its message (exit 2); a training stop says how to resume; Ctrl-C
    exits 130; anything else is unexpected: its traceback goes to a log file, and the line
    names what failed and that file (exit 2 for file-system and text-encoding problems the
    user can fix, else 1).
    """
    if isinstance(err, UserError):
        return err.exit_code, str(err)
    if isinstance(err, TrainingStopped):
        message = str(err)
        if err.run_dir:
            message += (
                f"\nResume with: {command_path or 'refapps <app> train'} --resume {err.run_dir}"
            )
        return err.exit_code, message
    if isinstance(err, KeyboardInterrupt):
        return 130, "Interrupted."
    log_path = write_error_log(err)
    fixable = isinstance(err, UnicodeError) or (
        isinstance(err, OSError) and err.filename is not None and err.errno in _OS_FIXES
    )
    return (2 if fixable else 1), describe_unexpected(err, log_path)


def describe_unexpected(err: BaseException, log_path: Path | None) -> str:
    """One line: what failed, on which file (when known), and what to do."""
    where = f" (traceback in {log_path})" if log_path else ""
    if isinstance(err, OSError) and err.filename is not None and err.errno in _OS_FIXES:
        return f"Cannot use {err.filename}: {_OS_FIXES[err.errno]}.{where}"
    if isinstance(err, UnicodeError):
        return (
            f"Some text is not valid UTF-8 ({type(err).__name__}); pass UTF-8 text and files "
            f"(a UTF-8 terminal, e.g. LANG=C.UTF-8, or iconv -t UTF-8).{where}"
        )
    if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
        return (
            f"Out of memory ({type(err).__name__}); try a smaller --batch-size or "
            f"--max-samples.{where}"
        )
    text = " ".join(str(err).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    frame = _last_project_frame(err)
    at = f" in {frame}" if frame else ""
    see = (
        f" The traceback is in {log_path}; please report it with that file."
        if log_path
        else " Run again with REFAPPS_DEBUG=1 to see the traceback."
    )
    return f"Unexpected {type(err).__name__}{at}: {text or 'no message'}. This is a bug.{see}"


def _last_project_frame(err: BaseException) -> str | None:
    """`apps/x/data.py:42 (load_raw)`: the innermost frame in this project's own code."""
    found = None
    for frame in traceback.extract_tb(err.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(_PROJECT_DIR) and ".venv" not in path.parts:
            found = f"{path.relative_to(_PROJECT_DIR)}:{frame.lineno} ({frame.name})"
    return found


def _log_dirs() -> list[Path]:
    """Where a crash log may go, best first: the active run, the cache, the temp folder."""
    dirs = [_active_run_dir] if _active_run_dir is not None else []
    env = os.environ.get("REFAPPS_CACHE")
    if env:
        dirs.append(Path(env).expanduser() / "logs")
    else:
        import platformdirs

        dirs.append(Path(platformdirs.user_cache_dir("refapps")) / "logs")
    import tempfile

    dirs.append(Path(tempfile.gettempdir()) / "refapps-logs")
    return dirs


def write_error_log(err: BaseException) -> Path | None:
    """Write the command line and full traceback of `err` to a new log file; its path.

    Returns None when no folder could take the file (the error is then only described).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = (
        f"refapps error log, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
        f"command: {' '.join(sys.argv)}\npython: {sys.version.split()[0]}\n\n"
        + "".join(traceback.format_exception(err))
    )
    for log_dir in _log_dirs():
        path = log_dir / f"error-{stamp}-{os.getpid()}.log"
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
        except OSError:
            continue
        return path
    return None
