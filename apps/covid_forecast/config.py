"""Every knob of the COVID forecasting app with its default, in one torch-free place.

The CLI reads these defaults for `--help` without importing torch; `train.py` consumes them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError

APP = "covid_forecast"


@dataclass(frozen=True)
class DataConfig:
    csv: Path | None = None  # default: REFAPPS_DATA/covid/covid-19.csv
    jhu_dir: Path | None = None  # folder with the JHU CSSE time_series_covid19_*_global.csv
    country: str | None = None  # JHU country/region (provinces are summed); names, ISO codes
    province: str | None = None  # one JHU province/state of `country` instead of the sum
    repair: bool = False  # running max on cumulative counts, interpolate missing dates
    window: int = 8  # days of daily increments the model reads

    def __post_init__(self) -> None:
        if self.window < 2:
            raise UserError(f"--window must be at least 2 days (got {self.window})")
        if self.jhu_dir is not None and self.country is None:
            raise UserError("--jhu-dir needs --country (e.g. --country Italy).")
        if self.province is not None and self.country is None:
            raise UserError("--province needs --country (e.g. --country Canada).")
        if self.country is not None and self.jhu_dir is None:
            from common.data import data_root

            object.__setattr__(self, "jhu_dir", data_root() / "covid" / "jhu")
        for name in ("csv", "jhu_dir"):  # stored absolute, so a run works from any folder
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value).expanduser().resolve())


@dataclass(frozen=True)
class ModelConfig:
    hidden_size: int = 8
    num_layers: int = 1
    num_members: int = 5  # an ensemble over seeds, trained side by side in one loop

    def __post_init__(self) -> None:
        if self.hidden_size < 1 or self.num_layers < 1:
            raise UserError("--hidden-size and --num-layers must be at least 1")
        if not 1 <= self.num_members <= 64:
            raise UserError(f"--members must be in 1..64 (got {self.num_members})")


TRAIN_DEFAULTS = dataclasses.replace(
    TrainConfig(),
    epochs=150,
    batch_size=64,
    lr=1e-2,
    loop="class",
    monitor="val/loss",
    num_threads=1,
)


@dataclass(frozen=True)
class GlobalConfig:
    """The global model: one network for the windows of many countries (see global_model.py)."""

    num_countries: int = 50  # train on the countries with the most cases at the end of the data
    input_days: int = 28  # days of history the network reads
    level_days: int = 7  # the window's level: mean log1p count of its last `level_days` days
    horizon: int = 14  # forecasts h = 1..horizon days ahead, directly (not recursively)
    hidden_size: int = 256
    num_members: int = 3  # seeds averaged (quantile by quantile)
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    level_weight: float = 0.75  # window weight exp(level_weight * log1p level); 0: all equal
    refit_every: int = 4  # backtest: retrain at every 4th origin, on the days before it only
    recent_days: int | None = None  # train only on windows ending in the last N days (None: all)
    ets_weight_h1_7: float = 0.6  # blend with AutoETS, h 1..7 (combine.py; 0: model alone)
    ets_weight_h8_14: float = 0.7  # the same for h 8..14 (both chosen on validation origins)
    seed: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.ets_weight_h1_7 <= 1 and 0 <= self.ets_weight_h8_14 <= 1):
            raise UserError("--ets-weight values must be in 0..1 (0: the model alone)")
        if not 1 <= self.horizon <= 60 or not 7 <= self.input_days <= 120:
            raise UserError("--horizon must be in 1..60 and --input-days in 7..120")
        if not 1 <= self.level_days <= self.input_days:
            raise UserError("--level-days must be in 1..input_days")
        if not 1 <= self.num_countries <= 500 or not 1 <= self.num_members <= 16:
            raise UserError("--num-countries must be in 1..500 and --members in 1..16")
        if self.refit_every < 1:
            raise UserError("--refit-every must be at least 1")
        if self.epochs < 1 or self.hidden_size < 1 or self.batch_size < 1 or self.lr <= 0:
            raise UserError("--epochs, --hidden-size, --batch-size and --lr must be positive")
