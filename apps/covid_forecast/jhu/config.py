"""Settings: every knob of the global model for JHU countries, with its default, torch-free.

    refapps covid_forecast train --model global --num-countries 50 --epochs 20

`train --model global` fills `GlobalConfig` from its options; a run saves it in config.json
(under "model"), and `backtest` rebuilds it from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import UserError

APP = "covid_forecast"  # the same runs folder as the tutorial model: one app, two models
BACKTEST_FILE = "jhu_backtest.json"  # what `backtest` (extras/report.py) keeps in a run


@dataclass(frozen=True)
class GlobalConfig:
    """The global model: one network for the windows of many countries (see model.py)."""

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
    ets_weight_h1_7: float = 0.6  # blend with AutoETS, h 1..7 (predict.py; 0: model alone)
    ets_weight_h8_14: float = 0.7  # the same for h 8..14 (studies/covid_forecast chose both)
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
