"""--data-dir with more than 4 GiB of decoded images: read from disk by a DataLoader.

    refapps cifar train --data-dir big_photos     # streams when the set does not fit

A `FileSet` stands in for data.py's in-memory `ImageSet` (the same `subset`, `stats` and
`batches`), so `make_loaders` and the loops take it as it is: a DataLoader with workers
decodes the files, and `DeviceBatches` augments its batches on the device in the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from ..data import ImageSet, channel_stats, list_images
from ..images import decode_image
from .decode_cache import load_cached

MAX_IN_MEMORY_BYTES = 4 << 30  # larger decoded sets stream from disk through a DataLoader
STATS_SAMPLES = 2048  # images used for the channel mean/std


class ImageFiles(Dataset):
    """Image files decoded on the fly, with their labels."""

    def __init__(self, paths: list[Path], y: torch.Tensor, size: int) -> None:
        self.paths, self.y, self.size = paths, y, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return decode_image(self.paths[i], self.size), self.y[i]


@dataclass
class FileSet:
    """One split as image files on disk, (N,) int64 labels and the class names."""

    paths: list[Path]
    y: torch.Tensor
    classes: list[str]
    size: int

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: torch.Tensor) -> FileSet:
        return FileSet(
            [self.paths[i] for i in index.tolist()], self.y[index], self.classes, self.size
        )

    def stats(self) -> tuple[list[float], list[float]]:
        """Channel mean and std from an even sample of at most about STATS_SAMPLES images."""
        step = max(1, len(self) // STATS_SAMPLES)
        return channel_stats(torch.stack([decode_image(p, self.size) for p in self.paths[::step]]))

    @property
    def x(self) -> torch.Tensor:
        """Every image decoded, (N, 3, S, S) uint8: for `evaluate` and small subsets."""
        return torch.stack([decode_image(p, self.size) for p in self.paths])

    def batches(
        self, batch_size: int, device: torch.device, generator: torch.Generator | None
    ) -> DataLoader:
        return DataLoader(
            ImageFiles(self.paths, self.y, self.size),
            batch_size=batch_size,
            shuffle=generator is not None,
            generator=generator,
            num_workers=min(8, os.cpu_count() or 1),
            pin_memory=device.type == "cuda",
            persistent_workers=True,
        )


def load_folder(split_dir: Path, size: int) -> ImageSet | FileSet:
    """A split in memory (decoded once, cached) when it fits, else files read while training."""
    paths, labels, classes = list_images(split_dir)
    if len(paths) * 3 * size * size > MAX_IN_MEMORY_BYTES:
        return FileSet(paths, torch.tensor(labels, dtype=torch.int64), classes, size)
    return load_cached(split_dir, size)
