"""Where data lives and how it gets there: `REFAPPS_DATA`, verified downloads, safe extraction.

    REFAPPS_DATA=../shared/data refapps titanic download

The data root is `$REFAPPS_DATA`, else the user's cache folder (platformdirs). A file that is
present and matches its sha256 is used without touching the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import zlib
from pathlib import Path

from common.errors import DataNotFoundError

DATA_ENV = "REFAPPS_DATA"
CACHE_ENV = "REFAPPS_CACHE"


def data_root() -> Path:
    """The folder that holds every app's data: `$REFAPPS_DATA`, else the user cache dir."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("refapps")) / "data"


def cache_dir(name: str) -> Path:
    """A folder for derived data (decoded tensors, encodings) that may be deleted at any time.

    `$REFAPPS_CACHE`, else the user cache folder; never inside the data root, which may be a
    read-only or shared mirror.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        base = Path(env).expanduser()
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("refapps")) / "cache"
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def fetch_verified(url: str, sha256: str, dest_path: Path, progress: bool = True) -> Path:
    """Return `dest_path`, downloading it from `url` first when missing or corrupt.

    Args:
        url: public source of the file.
        sha256: expected hex digest; a file that does not match is never used.
        dest_path: where the file lives (under `data_root()` by convention).
        progress: show a download progress bar.

    Raises:
        DataNotFoundError: offline, or the download does not match `sha256`. The message
            names the URL and the path where the file can be placed by hand.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"fetch_verified needs a pinned sha256 hex digest, got {sha256!r}")
    dest_path = Path(dest_path)
    if dest_path.is_file() and sha256_of(dest_path) == sha256:
        return dest_path
    hint = f"Download {url} and place it at {dest_path} (sha256 {sha256})."
    try:
        import pooch

        dest_path.parent.mkdir(parents=True, exist_ok=True)
        fetched = pooch.retrieve(
            url,
            known_hash=f"sha256:{sha256}",
            fname=dest_path.name,
            path=dest_path.parent,
            progressbar=progress,
        )
    except ValueError as err:  # pooch raises ValueError on a hash mismatch
        raise DataNotFoundError(f"Downloaded file failed its sha256 check. {hint}") from err
    except Exception as err:  # offline, DNS, HTTP errors: all mean "not here, fix by hand"
        raise DataNotFoundError(f"Could not download ({type(err).__name__}). {hint}") from err
    return Path(fetched)


def extract_tar(archive_path: Path, dest_dir: Path, members_prefix: str | None = None) -> None:
    """Extract a tar archive with the "data" filter (no absolute paths, links or traversal).

    Raises:
        DataNotFoundError: the archive is truncated, corrupt, or has a member that would land
            outside `dest_dir`; the message names the archive.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive_path) as tar:
            members = [
                m
                for m in tar.getmembers()
                if members_prefix is None or m.name.startswith(members_prefix)
            ]
            tar.extractall(dest_dir, members=members, filter="data")
    except (tarfile.TarError, EOFError, zlib.error) as err:  # FilterError is a TarError
        raise DataNotFoundError(
            f"{archive_path} is corrupt or unsafe to extract ({err}); "
            "delete it and download it again."
        ) from err
