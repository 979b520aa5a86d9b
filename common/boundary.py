"""The error boundary of the front-ends: any exception becomes one line and a log file.

    code, line = explain(err, "refapps titanic train")   # what the CLI prints, and its exit

A `UserError` keeps its message (exit 2); a training stop says how to resume; Ctrl-C exits
130; a missing `extras/` module (an app copied without `--with-extras`) says how to get it;
anything else is unexpected: `write_error_log` keeps the full traceback in the run folder
(when a run is active) or in the cache folder, and the line names what failed, on which file,
and that log. Torch-free, so the CLI root can import it cheaply.

    REFAPPS_DEBUG=1 refapps titanic predict passengers.csv   # show tracebacks instead
"""

from __future__ import annotations

import errno
import os
import re
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.errors import TrainingStopped, UserError, active_run

DEBUG_ENV = "REFAPPS_DEBUG"
_PROJECT_DIR = Path(__file__).resolve().parents[1]
_EXTRAS_MODULE = re.compile(r"apps\.(\w+)\.extras(?:\.|$)")


def debug_enabled() -> bool:
    """True when `REFAPPS_DEBUG` asks for tracebacks instead of one-line errors."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


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
    exits 130; an option whose `extras/` module is missing says so (exit 2); anything else
    is unexpected: its traceback goes to a log file, and the line names what failed and
    that file (exit 2 for file-system and text-encoding problems the user can fix, else 1).
    """
    if isinstance(err, UserError):
        return err.exit_code, str(err)
    missing = missing_extras(err)
    if missing is not None:
        return 2, missing
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


def missing_extras(err: BaseException) -> str | None:
    """The line for an app copied without `extras/` whose option imports from it, else None.

    `refapps new NAME --from APP` leaves `apps/NAME/extras/` out; the front-ends import an
    extras module only inside the branch of the option that needs it, so the default
    commands run and only that option fails, with a `ModuleNotFoundError` naming the module.
    """
    name = getattr(err, "name", None) if isinstance(err, ModuleNotFoundError) else None
    match = _EXTRAS_MODULE.match(name or "")
    if match is None:
        return None
    return (
        f"This option needs the app's extras/ folder (apps/{match[1]}/extras/, module {name}), "
        "which this copy of the app left out; copy the app again with its extras: "
        "refapps new NAME --from APP --with-extras."
    )


@contextmanager
def needs_extra(app: str, what: str) -> Iterator[None]:
    """Turn a missing `apps/<app>/extras/` module into one `UserError` naming what needed it:
    `with needs_extra("cifar", "--model tutorial"): from .extras.tutorial import ...`."""
    try:
        yield
    except ModuleNotFoundError as err:
        if ".extras" not in (err.name or ""):
            raise
        raise UserError(
            f"{what} needs apps/{app}/extras/, which this copy of the app leaves out "
            "(copy it again with --with-extras)."
        ) from err


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
    run_dir = active_run()
    dirs = [run_dir] if run_dir is not None else []
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
