"""Settings: every knob of the CIFAR app with its default, in one torch-free place.

    refapps cifar train --help      # these defaults, read without importing torch

`--dataset cifar10`, `--data-dir`, `--val-fraction` and `--model tutorial` are read by `extras/`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError

APP = "cifar"
DATASETS = ("cifar2", "cifar10")
MODELS = ("cnn", "tutorial")


@dataclass(frozen=True)
class DataConfig:
    dataset: str = "cifar2"  # REFAPPS_DATA/cifar2 (else CIFAR-10's first two classes) or cifar10
    data_dir: Path | None = None  # any ImageFolder with train/ (and test/); overrides dataset
    val_fraction: float = 0.0  # held out of train; used as 0.1 when the folder has no test/
    image_size: int = 32  # every image is resized to image_size x image_size
    augment: bool = True  # random crop (2 px shifts) + horizontal flip on training batches

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise UserError(f"--dataset must be one of {', '.join(DATASETS)} (got {self.dataset})")
        if not 0.0 <= self.val_fraction < 0.9:
            raise UserError(f"--val-fraction must be in [0, 0.9) (got {self.val_fraction})")
        if not 8 <= self.image_size <= 256:
            raise UserError(f"--image-size must be in [8, 256] (got {self.image_size})")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "cnn"  # cnn: the fast default (VGG-style, BatchNorm); tutorial: the tutorial's net
    width: int = 32  # channels of the first block (cnn: 32-64-128-128)
    compile: bool = False  # torch.compile the model (worth it on a GPU for long runs)

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise UserError(f"--model must be one of {', '.join(MODELS)} (got {self.name})")
        if not 4 <= self.width <= 512:
            raise UserError(f"--width must be in [4, 512] (got {self.width})")


TRAIN_DEFAULTS = dataclasses.replace(
    TrainConfig(),
    epochs=8,
    batch_size=128,
    lr=0.1,
    weight_decay=5e-4,
    loop="function",
    monitor="val/loss",
)
