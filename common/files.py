"""Safe files: atomic writes that follow the umask, guarded JSON reads, stale temp cleanup.

Every write goes to a temp file in the same folder (`.<name>.<pid>-<token>.tmp`, created
with mode 0666 so the user's umask applies, as for any new file), is fsynced, then
`os.replace`d: a crash at any moment leaves the previous file intact. A temp file left by a
killed write (its process is gone) is removed by the next write to the same name, or by
`remove_stale_temps` when a run is resumed.

    python -c "from common.files import write_json; write_json('out/x.json', {'a': 1})"
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.errors import CheckpointError, UserError

MAX_JSON_BYTES = 100 * 2**20  # far above any file refapps writes; refuses a swapped-in giant
STALE_SECONDS = 3600  # a temp file whose writer cannot be identified counts as stale after this
_TEMP_PID = re.compile(r"\.(\d+)-[0-9a-f]+\.tmp$")


def ensure_folder(folder: Path, option: str | None = None) -> Path:
    """Create `folder` (and its parents) or explain in one line why it cannot be a folder.

    Raises:
        UserError: `folder` (or a parent) is an existing file; names the `option` if given.
    """
    folder = Path(folder).expanduser()
    label = f"{option} {folder}" if option else str(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{label} is a file, not a folder; give a folder path.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        raise UserError(
            f"Cannot create {label}: {err.filename} is a file, not a folder; "
            "give a path made of folders."
        ) from None
    return folder


def check_output_file(option: str, path: Path | None, example: str = "out.csv") -> None:
    """Fail before any work is done when an output option (`--out`) names a folder.

    Raises:
        UserError: `path` is a folder; the message suggests a file name inside it.
    """
    if path is not None and Path(path).is_dir():
        suggestion = Path(path) / example
        raise UserError(f"{option} {path} is a folder; give a file name such as {suggestion}.")


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, fsync, then rename onto `path`; the old file survives a crash.

    Raises:
        UserError: `path` is a folder (as in `--out some_dir`), or its folder is a file.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(
            f"{path} is a folder; give a file path instead (for example {path / 'out.csv'})."
        )
    ensure_folder(path.parent)
    remove_stale_temps(path.parent, path.name)
    tmp_path = _new_temp_file(path)
    try:
        write(tmp_path)
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _new_temp_file(path: Path) -> Path:
    """An empty, new temp file beside `path`; mode 0666 minus the umask, as `open()` gives."""
    while True:
        tmp_path = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp_path


def _fsync_dir(dir_path: Path) -> None:
    try:
        fd = os.open(dir_path, os.O_RDONLY)
    except OSError:  # not supported on every platform (Windows)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path, name: str | None = None) -> list[Path]:
    """Delete temp files of killed writes in `folder` (only those of `name` when given).

    A temp file is stale when the process that wrote it is gone, or (when that cannot be
    told) when it is older than `STALE_SECONDS`. Writes still running are never touched.
    """
    pattern = f".{glob.escape(name)}.*.tmp" if name else ".*.tmp"
    removed = []
    for tmp_path in Path(folder).glob(pattern):
        if _is_stale(tmp_path):
            try:
                tmp_path.unlink()
            except OSError:  # raced with its owner or another cleaner: nothing to do
                continue
            removed.append(tmp_path)
    return removed


def _is_stale(tmp_path: Path) -> bool:
    match = _TEMP_PID.search(tmp_path.name)
    if match and sys.platform != "win32":  # os.kill(pid, 0) would kill on Windows
        return not _pid_alive(int(match[1]))
    try:
        return time.time() - tmp_path.stat().st_mtime > STALE_SECONDS
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    if pid <= 0:  # never a writer's pid; os.kill(0, 0) would signal our own group
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's) or cannot be told: keep the file
    return True


def write_json(path: Path, data: Any) -> Path:
    text = json.dumps(data, indent=2, default=str) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_json(path: Path, what: str = "file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse a JSON file; every way it can fail is one `CheckpointError` naming the path.

    Raises:
        CheckpointError: missing, a folder, too large, not UTF-8, or not valid JSON.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise CheckpointError(f"{what} should be a file, but {path} is a folder.")
        if size > max_bytes:
            raise CheckpointError(
                f"{what} is too large ({size:,} bytes, limit {max_bytes:,}): {path}; "
                "it was replaced or damaged: train again or restore it."
            )
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CheckpointError(f"{what} not found: {path}") from err
    except (ValueError, RecursionError) as err:  # JSONDecodeError, UnicodeDecodeError, ...
        raise CheckpointError(
            f"{what} is corrupt (not valid UTF-8 JSON): {path}; train again or restore it."
        ) from err
