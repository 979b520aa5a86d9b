"""Data: verified downloads that never touch the network when the file is there; safe tars."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pooch
import pytest

from common import data as common_data
from common.data import cache_dir, extract_tar, fetch_verified
from common.errors import DataNotFoundError

URL = "http://127.0.0.1:9/refapps/file.csv"  # discard port: refused at once, nothing leaves


def test_data_root_follows_the_environment(data_root):
    assert common_data.data_root() == data_root


def test_cache_lives_outside_the_data_root(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    assert cache_dir("titanic") == tmp_path / "cache" / "titanic"
    assert cache_dir("titanic").is_dir()
    assert not (data_root / ".cache").exists()  # a shared, read-only mirror stays untouched


def test_offline_error_names_url_and_destination(data_root):
    dest = data_root / "alpha" / "file.csv"
    with pytest.raises(DataNotFoundError) as info:
        fetch_verified(URL, "0" * 64, dest, progress=False)
    message = str(info.value)
    assert URL in message
    assert str(dest) in message
    assert "\n" not in message


def test_verified_file_is_used_without_network(data_root, monkeypatch):
    dest = data_root / "file.csv"
    dest.write_bytes(b"a,b\n1,2\n")
    digest = hashlib.sha256(dest.read_bytes()).hexdigest()

    def no_network(*args, **kwargs):
        raise AssertionError("tried to download a verified file")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    assert fetch_verified(URL, digest, dest, progress=False) == dest


def test_wrong_hash_triggers_a_download(data_root, monkeypatch):
    dest = data_root / "file.csv"
    dest.write_bytes(b"tampered\n")
    calls = []
    real_retrieve = pooch.retrieve

    def spy(url, *args, **kwargs):
        calls.append(url)
        return real_retrieve(url, *args, **kwargs)

    monkeypatch.setattr(pooch, "retrieve", spy)
    with pytest.raises(DataNotFoundError, match=r"127\.0\.0\.1:9"):
        fetch_verified(URL, "1" * 64, dest, progress=False)
    assert calls == [URL]


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_tar_with_prefix(tmp_path):
    archive = _tar(tmp_path / "a.tar.gz", {"pkg/x.txt": b"x", "other/y.txt": b"y"})
    extract_tar(archive, tmp_path / "out", members_prefix="pkg/")
    assert (tmp_path / "out" / "pkg" / "x.txt").read_bytes() == b"x"
    assert not (tmp_path / "out" / "other").exists()


def test_extract_tar_refuses_path_traversal(tmp_path):
    archive = _tar(tmp_path / "evil.tar.gz", {"ok.txt": b"ok", "../escaped.txt": b"pwned"})
    with pytest.raises(DataNotFoundError, match=r"evil\.tar\.gz"):
        extract_tar(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_extract_tar_keeps_absolute_members_inside(tmp_path):
    archive = _tar(tmp_path / "abs.tar.gz", {"/tmp/refapps-absolute.txt": b"a"})
    extract_tar(archive, tmp_path / "out")
    assert (tmp_path / "out" / "tmp" / "refapps-absolute.txt").read_bytes() == b"a"


def test_corrupt_archive_is_a_clear_error(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"not a tar at all")
    with pytest.raises(DataNotFoundError, match=r"broken\.tar\.gz"):
        extract_tar(archive, tmp_path / "out")


@pytest.mark.parametrize("digest", ["", "abc", "X" * 64, "sha256:" + "0" * 64])
def test_a_download_needs_a_pinned_hash(tmp_path, digest):
    with pytest.raises(ValueError, match="pinned sha256"):
        fetch_verified(URL, digest, tmp_path / "f.csv", progress=False)


NETWORK_OR_EXTRACTION = ("import pooch", "urllib.request", "import requests", "import httpx")
NETWORK_OR_EXTRACTION += (".extractall(", "download=True", "zipfile.ZipFile(")


def test_downloads_and_extraction_happen_only_in_common_data():
    """So every download is hash-checked and every archive goes through the "data" filter."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [*root.glob("apps/**/*.py"), *root.glob("common/**/*.py")]:
        if path == root / "common" / "data.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(root)}: {s}" for s in NETWORK_OR_EXTRACTION if s in text]
    assert not offenders
