"""--data-dir DIR: your image folders decoded once and cached, so later runs start at once.

    refapps cifar train --data-dir my_photos     # the second run reads the cache

Photos take far longer to decode than CIFAR's 32x32 JPEGs. A split's (N, 3, S, S) uint8
tensor is saved as safetensors in `cache_dir("cifar")` under a hash of the file list with
sizes and mtimes: any change to the folder makes a new cache, a damaged one is decoded again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from common.data import cache_dir
from common.files import atomic_write

from ..data import ImageSet, list_images
from ..images import decode_image


def folder_key(split_dir: Path, paths: list[Path], size: int) -> str:
    """A hash of the sorted file list with sizes and mtimes: any change makes a new cache."""
    digest = hashlib.sha256(f"{size}\n".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.relative_to(split_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def load_cached(split_dir: Path, size: int) -> ImageSet:
    """Decode an ImageFolder split once; later calls read the safetensors cache."""
    from safetensors.torch import load_file, save_file

    paths, labels, classes = list_images(split_dir)
    y = torch.tensor(labels, dtype=torch.int64)
    cache_path = cache_dir("cifar") / f"{folder_key(split_dir, paths, size)}.safetensors"
    try:
        x = load_file(cache_path)["x"] if cache_path.is_file() else None
    except Exception:  # a corrupt or foreign cache file is simply rebuilt
        x = None
    if x is None or x.shape != (len(paths), 3, size, size) or x.dtype != torch.uint8:
        x = torch.stack([decode_image(p, size) for p in paths])
        atomic_write(cache_path, lambda tmp: save_file({"x": x}, str(tmp)))
    return ImageSet(x, y, classes)
