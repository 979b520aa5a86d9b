"""--data-dir DIR and --val-fraction F: your own image folders, and a held-out validation share.

    refapps cifar train --data-dir my_photos     # my_photos/train/<class>/*.jpg (+ test/)
    refapps cifar train --val-fraction 0.1       # CIFAR-2 with 10 % of train held out

A folder needs train/<class>/ and ideally test/<class>/ with the same classes; without test/,
a seeded random 10 % (or --val-fraction) of train becomes the test split. This also reads
REFAPPS_DATA/cifar2 when it has no test/. Sets too large for memory stream from disk
(`on_disk.py`); the others are decoded once and cached (`decode_cache.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from common.data import data_root
from common.errors import UserError

from ..config import DataConfig
from ..data import Splits
from .on_disk import load_folder

DEFAULT_VAL_FRACTION = 0.1  # for folders without test/


def split_off(data: Any, fraction: float, seed: int) -> tuple[Any, Any]:
    """A seeded random (train, held-out) split."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    num_held = max(1, round(fraction * len(data)))
    return data.subset(order[num_held:]), data.subset(order[:num_held])


def hold_out(train_set: Any, test_set: Any, fraction: float, seed: int) -> Splits:
    """(train, val, test): `fraction` of train held out for validation, else val is test."""
    if fraction > 0:
        train_set, val_set = split_off(train_set, fraction, seed)
        return train_set, val_set, test_set
    return train_set, test_set, test_set


def load_splits(cfg: DataConfig, seed: int) -> Splits:
    """(train, val, test) of `--data-dir` or REFAPPS_DATA/<dataset>; val is test unless held out."""
    folder = Path(cfg.data_dir).expanduser() if cfg.data_dir else data_root() / cfg.dataset
    if not (folder / "train").is_dir():
        raise UserError(f"--data-dir {folder} needs a train/ folder (and ideally test/).")
    train_set = load_folder(folder / "train", cfg.image_size)
    if not (folder / "test").is_dir():
        fraction = cfg.val_fraction or DEFAULT_VAL_FRACTION
        train_set, test_set = split_off(train_set, fraction, seed)
        return train_set, test_set, test_set
    test_set = load_folder(folder / "test", cfg.image_size)
    if test_set.classes != train_set.classes:
        raise UserError(f"{folder}: train/ and test/ must have the same class folders.")
    return hold_out(train_set, test_set, cfg.val_fraction, seed)
