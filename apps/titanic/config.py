"""Settings: every knob of the Titanic app with its default, in one torch-free place.

refapps titanic train --help     # the options below, read without importing torch
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError

APP = "titanic"
FEATURE_SETS = ("basic", "extra", "groups")


@dataclass(frozen=True)
class DataConfig:
    train_csv: Path | None = None  # default: REFAPPS_DATA/titanic/train.csv
    test_csv: Path | None = None  # default: REFAPPS_DATA/titanic/test.csv
    val_fraction: float = 0.0  # 0: no held-out split; the last epoch is kept (see README)
    features: str = "groups"  # basic | extra | groups (see features.py)
    train_on_all: bool = False  # train on train + test (all 891) before a Kaggle submission

    def __post_init__(self) -> None:
        if not 0.0 <= self.val_fraction < 0.9:
            raise UserError(f"--val-fraction must be in [0, 0.9) (got {self.val_fraction})")
        if self.features not in FEATURE_SETS:
            raise UserError(f"--features must be one of {', '.join(FEATURE_SETS)}")


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple[int, ...] = (16,)
    dropout: float = 0.0
    num_models: int = 1  # > 1: a seed ensemble, trained by extras/ensemble.py

    def __post_init__(self) -> None:
        if not 1 <= self.num_models <= 50:
            raise UserError(f"--num-models must be between 1 and 50 (got {self.num_models})")
        if not self.hidden or any(h < 1 for h in self.hidden):
            raise UserError("--hidden needs one or more positive layer widths, e.g. 32,16")
        if not 0.0 <= self.dropout < 1.0:
            raise UserError(f"--dropout must be in [0, 1) (got {self.dropout})")


TRAIN_DEFAULTS = dataclasses.replace(
    TrainConfig(),
    epochs=60,
    batch_size=64,
    lr=5e-3,
    weight_decay=1e-3,
    loop="script",
    monitor="val/loss",
    num_threads=1,
)
