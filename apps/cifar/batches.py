"""Step 1b, batches: shuffle uint8 images held in memory, then augment them as tensors.

    TensorBatches(x, y, 128, generator)  -> shuffled (uint8 images, labels), no DataLoader
                                            (common.batches)
    DeviceBatches(source, device, ...)   -> on the device, float in [0, 1], cropped and flipped

When training on CUDA the whole uint8 set lives on the GPU and augmentation runs there, so
an epoch never waits for the CPU. Sets too large for memory come from a DataLoader with
workers instead; `DeviceBatches` augments those batches in the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from common.batches import TensorBatches

from .config import DataConfig
from .data import ImageSet, load_splits, sample
from .images import decode_image

PADDING = 2  # random crops shift the image by up to this many pixels (short runs: keep small)
STATS_SAMPLES = 2048  # images used for the channel mean/std when the set is on disk


def augment(x: torch.Tensor, generator: torch.Generator, padding: int = PADDING) -> torch.Tensor:
    """Random crop of the reflect-padded batch and random horizontal flip; (B, C, H, W) kept."""
    batch, _, height, width = x.shape
    # random numbers come from the CPU generator (saved on resume), then move to x's device
    shifts = torch.randint(0, 2 * padding + 1, (2, batch), generator=generator).to(x.device)
    flips = (torch.rand(batch, generator=generator) < 0.5).to(x.device)
    padded = torch.nn.functional.pad(x, (padding,) * 4, mode="reflect")  # (B, C, H+2p, W+2p)
    rows = shifts[0, :, None] + torch.arange(height, device=x.device)  # (B, H)
    cols = shifts[1, :, None] + torch.arange(width, device=x.device)  # (B, W)
    index = torch.arange(batch, device=x.device)[:, None, None]
    crops = padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    crops = crops.permute(0, 3, 1, 2)
    return torch.where(flips[:, None, None, None], crops.flip(3), crops)


class ImageFiles(Dataset):
    """Image files decoded on the fly (for sets too large to hold in memory)."""

    def __init__(self, data: ImageSet, size: int) -> None:
        self.paths, self.y, self.size = data.paths or [], data.y, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return decode_image(self.paths[i], self.size), self.y[i]


class DeviceBatches:
    """Batches of uint8 images -> float [0, 1] on `device`, cropped and flipped if `augment`."""

    def __init__(
        self, source: Any, device: torch.device, augment: bool = False, channels_last: bool = False
    ) -> None:
        self.source, self.device = source, device
        self.augment, self.channels_last = augment, channels_last
        # the source's shuffling generator also drives augmentation; the loop saves its state
        self.generator: torch.Generator | None = getattr(source, "generator", None)

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for x, y in self.source:
            x = x.to(self.device, non_blocking=True).float().div_(255)
            if self.augment and self.generator is not None:
                x = augment(x, self.generator)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x, y.to(self.device, non_blocking=True)


@dataclass
class Loaders:
    train: DeviceBatches
    val: DeviceBatches | None  # None: no held-out split (the loop then validates on test)
    test: DeviceBatches
    classes: list[str]
    mean: list[float]
    std: list[float]
    num_train: int


def channel_stats(data: ImageSet, size: int) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of the training images, in [0, 1] units."""
    x = data.x
    if x is None:
        files = ImageFiles(data, size)
        step = max(1, len(files) // STATS_SAMPLES)
        x = torch.stack([files[i][0] for i in range(0, len(files), step)])
    values = x.float().div(255).transpose(0, 1).reshape(3, -1)  # (C, N * H * W)
    return values.mean(1).tolist(), values.std(1).clamp_min(1e-3).tolist()


def batches_of(
    data: ImageSet,
    cfg: DataConfig,
    batch_size: int,
    device: torch.device,
    generator: torch.Generator | None,
) -> DeviceBatches:
    """In-memory sets -> TensorBatches (on the GPU when training there); others -> DataLoader."""
    if data.x is not None:
        source: Any = TensorBatches(data.x.to(device), data.y.to(device), batch_size, generator)
    else:
        source = DataLoader(
            ImageFiles(data, cfg.image_size),
            batch_size=batch_size,
            shuffle=generator is not None,
            generator=generator,
            num_workers=min(8, os.cpu_count() or 1),
            pin_memory=device.type == "cuda",
            persistent_workers=True,
        )
    is_cuda = device.type == "cuda"
    return DeviceBatches(source, device, cfg.augment and generator is not None, is_cuda)


def make_loaders(
    cfg: DataConfig,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    max_samples: int | None = None,
    device: torch.device | None = None,
) -> Loaders:
    """Load (or decode and cache) the splits and wrap them in device-side batchers."""
    device = device or torch.device("cpu")
    splits = load_splits(cfg, seed)
    train_set, val_set, test_set = (sample(s, max_samples, seed) for s in splits)
    mean, std = channel_stats(train_set, cfg.image_size)
    eval_size = max(batch_size, 512)
    return Loaders(
        train=batches_of(train_set, cfg, batch_size, device, generator),
        val=None if splits[1] is splits[2] else batches_of(val_set, cfg, eval_size, device, None),
        test=batches_of(test_set, cfg, eval_size, device, None),
        classes=train_set.classes,
        mean=mean,
        std=std,
        num_train=len(train_set),
    )
