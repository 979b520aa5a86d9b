"""Every knob of the Titanic app with its default, in one torch-free place.

The CLI reads these defaults for `--help` without importing torch; `train.py` consumes them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError
from common.files import check_output_file

APP = "titanic"
FEATURE_SETS = ("basic", "extra", "groups")


@dataclass(frozen=True)
class DataConfig:
    train_csv: Path | None = None  # default: REFAPPS_DATA/titanic/train.csv
    test_csv: Path | None = None  # default: REFAPPS_DATA/titanic/test.csv
    val_fraction: float = 0.0  # 0: no held-out split; the last epoch is kept (see README)
    features: str = "groups"  # basic | extra | groups (see features.py); chosen by `cv`
    train_on_all: bool = False  # train on train + test (all 891), after `cv` chose the settings

    def __post_init__(self) -> None:
        if not 0.0 <= self.val_fraction < 0.9:
            raise UserError(f"--val-fraction must be in [0, 0.9) (got {self.val_fraction})")
        if self.features not in FEATURE_SETS:
            raise UserError(f"--features must be one of {', '.join(FEATURE_SETS)}")


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple[int, ...] = (16,)
    dropout: float = 0.0
    num_models: int = 1  # an ensemble of this many seeds, averaged

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


def parse_hidden(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as err:
        raise UserError(f"--hidden takes comma-separated widths like 32,16 (got {text!r})") from err


def check_text(option: str, value: str | None) -> None:
    """Refuse text that is not valid UTF-8 (a latin-1 terminal) with the fix, not a traceback."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        bad = err.object[err.start : err.end].encode("utf-8", "surrogateescape")
        raise UserError(
            f"{option} is not valid UTF-8 text ({bad!r}); set "
            "your terminal to UTF-8 (e.g. LANG=C.UTF-8) or type the name without accents."
        ) from None


def check_predict_options(
    has_csv: bool,
    has_passenger: bool,
    texts: dict[str, str | None],
    outputs: dict[str, Path | None],
) -> None:
    """`predict`'s options, checked before any model is loaded."""
    if not has_csv and not has_passenger:
        raise UserError(
            "Give --csv FILE, or describe a passenger with at least --pclass and --sex."
        )
    for option, value in texts.items():
        check_text(option, value)
    for option, path in outputs.items():
        check_output_file(option, path)
    if outputs.get("--kaggle") is not None and not has_csv:
        raise UserError("--kaggle needs --csv (Kaggle's test.csv, with PassengerId).")
