"""Step 1 of 6, prepare the data: CIFAR-2's image folders -> one uint8 tensor -> batches.

    refapps cifar train      # reads REFAPPS_DATA/cifar2/{train,test}/<class>/*.jpg

Images are decoded (`images.py`) into one (N, 3, S, S) uint8 tensor that stays in memory (on
the GPU when training there) and is shuffled, cropped and flipped as tensors, no DataLoader.
Class folders keep their names (`0_airplane`); `display_names` gives the names people read
(`airplane`). Other data comes from `extras/`, passed in as `load`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from common.batches import TensorBatches
from common.data import data_root
from common.errors import DataNotFoundError, UserError

from .config import DataConfig
from .images import IMAGE_EXTENSIONS, decode_image

CLASS_PREFIX = re.compile(r"^\d+[_\- .]+")  # "0_airplane" sorts first; people read "airplane"
PADDING = 2  # random crops shift the image by up to this many pixels (short runs: keep small)


@dataclass
class ImageSet:
    """One split in memory: (N, 3, S, S) uint8 images, (N,) int64 labels and the class names."""

    x: torch.Tensor
    y: torch.Tensor
    classes: list[str]

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: torch.Tensor) -> ImageSet:
        return ImageSet(self.x[index], self.y[index], self.classes)

    def stats(self) -> tuple[list[float], list[float]]:
        return channel_stats(self.x)

    def batches(
        self, batch_size: int, device: torch.device, generator: torch.Generator | None
    ) -> TensorBatches:
        """(uint8 images, labels) batches cut from the set, moved to `device` once."""
        return TensorBatches(self.x.to(device), self.y.to(device), batch_size, generator)


Splits = tuple[Any, Any, Any]  # (train, val, test) sets; val is test without a held-out share
SplitsLoader = Callable[[DataConfig, int], Splits]


def display_names(classes: list[str]) -> list[str]:
    """Folder names without a sort prefix (`0_airplane` -> `airplane`), unless two would clash."""
    names = [CLASS_PREFIX.sub("", name) for name in classes]
    return list(classes) if "" in names or len(set(names)) < len(names) else names


def list_images(split_dir: Path) -> tuple[list[Path], list[int], list[str]]:
    """ImageFolder layout: one sub-folder per class (sorted), image files inside."""
    classes = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    paths, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(
            p for p in (split_dir / name).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS
        )
        paths += files
        labels += [label] * len(files)
    if len(classes) < 2 or not paths:
        raise UserError(
            f"{split_dir} needs one sub-folder per class (at least two) with image files "
            f"({', '.join(IMAGE_EXTENSIONS)})."
        )
    return paths, labels, classes


def load_folder(split_dir: Path, size: int) -> ImageSet:
    """Decode an ImageFolder split into memory: (N, 3, size, size) uint8 images."""
    paths, labels, classes = list_images(split_dir)
    x = torch.stack([decode_image(p, size) for p in paths])
    return ImageSet(x, torch.tensor(labels, dtype=torch.int64), classes)


def load_splits(cfg: DataConfig, seed: int) -> Splits:
    """(train, val, test) of CIFAR-2 in REFAPPS_DATA/cifar2; val is test (nothing held out)."""
    if cfg.dataset != "cifar2" or cfg.data_dir is not None or cfg.val_fraction > 0:
        raise UserError("--dataset cifar10, --data-dir and --val-fraction are read by extras/.")
    folder = data_root() / cfg.dataset
    if not all((folder / split).is_dir() for split in ("train", "test")):
        raise DataNotFoundError(f"Put the CIFAR-2 JPEGs in {folder}/{{train,test}}/<class>/.")
    train_set = load_folder(folder / "train", cfg.image_size)
    test_set = load_folder(folder / "test", cfg.image_size)
    if test_set.classes != train_set.classes:
        raise UserError(f"{folder}: train/ and test/ must have the same class folders.")
    return train_set, test_set, test_set


def sample(data: Any, max_samples: int | None, seed: int) -> Any:
    """A seeded random subset (folders are sorted by class, so `head` would hold one class)."""
    if max_samples is None or max_samples >= len(data):
        return data
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.subset(order[:max_samples].sort().values)


def channel_stats(x: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of (N, 3, S, S) uint8 images, in [0, 1] units."""
    values = x.float().div(255).transpose(0, 1).reshape(3, -1)  # (C, N * H * W)
    return values.mean(1).tolist(), values.std(1).clamp_min(1e-3).tolist()


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
            if self.channels_last:  # on CUDA: faster convolutions
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


def make_loaders(
    cfg: DataConfig,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    max_samples: int | None = None,
    device: torch.device | None = None,
    load: SplitsLoader = load_splits,
) -> Loaders:
    """Load the splits, sample `max_samples` of each, and wrap them in device-side batchers."""
    device = device or torch.device("cpu")
    splits = load(cfg, seed)
    train_set, val_set, test_set = (sample(s, max_samples, seed) for s in splits)
    mean, std = train_set.stats()

    def batches(data: Any, size: int, shuffle: torch.Generator | None) -> DeviceBatches:
        use_augment = cfg.augment and shuffle is not None
        source = data.batches(size, device, shuffle)
        return DeviceBatches(source, device, use_augment, device.type == "cuda")

    eval_size = max(batch_size, 512)  # evaluation keeps no activations: larger batches
    train = batches(train_set, batch_size, generator)
    val = None if splits[1] is splits[2] else batches(val_set, eval_size, None)
    test = batches(test_set, eval_size, None)
    return Loaders(train, val, test, train_set.classes, mean, std, len(train_set))
