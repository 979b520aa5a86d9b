"""Settings: every knob of the tutorial model with its default, in one torch-free place.

    refapps covid_forecast train --window 8 --members 5 --epochs 150

The CLI reads these defaults for `--help` without importing torch; `train.py` consumes them.
The global model for JHU countries keeps its own settings in `jhu/config.py`.
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
    # --country: a JHU country instead of a table (read by extras/jhu_country.py)
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
