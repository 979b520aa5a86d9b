"""--data-dir folders: decoded once, cached, decoded again when the folder or cache changes."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from apps.cifar.extras import decode_cache
from common.data import cache_dir

from ..conftest import write_folder


def test_folder_cache_is_reused_and_invalidated(tmp_path: Path, monkeypatch) -> None:
    root = write_folder(tmp_path / "set", splits=("train",))
    first = decode_cache.load_cached(root / "train", 32)
    assert first.x is not None
    assert first.x.shape == (32, 3, 32, 32)
    assert first.classes == ["0_airplane", "1_automobile"]
    assert len(list(cache_dir("cifar").glob("*.safetensors"))) >= 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although the cache is valid")

    monkeypatch.setattr(decode_cache, "decode_image", no_decoding)
    again = decode_cache.load_cached(root / "train", 32)
    assert torch.equal(again.x, first.x)
    assert torch.equal(again.y, first.y)
    monkeypatch.undo()
    Image.new("RGB", (32, 32)).save(root / "train" / "0_airplane" / "new.jpg")
    changed = decode_cache.load_cached(root / "train", 32)
    assert len(changed) == len(first) + 1


def test_a_damaged_cache_file_is_decoded_again(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "set", splits=("train",))
    first = decode_cache.load_cached(root / "train", 32)
    for cached in cache_dir("cifar").glob("*.safetensors"):
        cached.write_bytes(b"not safetensors")
    again = decode_cache.load_cached(root / "train", 32)
    assert torch.equal(again.x, first.x)
