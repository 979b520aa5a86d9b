"""Step 5 of 6, use the model: forecast any JHU country 1..14 days ahead, blended with AutoETS.

    refapps covid_forecast forecast --country "South Korea" --days 14

The network's P10 / P50 / P90 for the next days, then a forecast combination (the M4
competition's lesson: combinations of different forecasters are robust): the P50 is moved
towards AutoETS's (season 7) in log1p space, log1p(P50) = (1 - w) log1p(model) +
w log1p(AutoETS), with one weight for h 1..7 and one for h 8..14, and the band moves by the
same amount. The weights are saved in the run (model.json `ets_weights`; a run from before
the blend has none and forecasts with the network alone). How they were chosen, on
validation origins before any backtest day: studies/covid_forecast/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.checkpoint import load_model, read_model_meta
from common.errors import UserError

from ..forecasts import ForecastResult, first_zero_date
from .baselines import MethodForecast, forecast_baselines
from .config import APP
from .data import SERIES
from .model import GLOBAL_MODEL_NAME, build_global_model, forecast_quantiles

ETS = "AutoETS"
BUCKET_DAYS = 7  # h 1..7 take the first weight, h 8.. the second


def horizon_weights(weights: tuple[float, float], horizon: int) -> np.ndarray:
    """(w for h 1..7, w for h 8..) -> one weight per forecast day, shape (horizon,)."""
    days = np.arange(1, horizon + 1)
    return np.where(days <= BUCKET_DAYS, weights[0], weights[1]).astype(float)


def blend(model: MethodForecast, ets: np.ndarray, weights: tuple[float, float]) -> MethodForecast:
    """Model forecast (H, ...) and AutoETS P50 (H, ...) -> the combined forecast, counts >= 0."""
    w = horizon_weights(weights, model.median.shape[0]).reshape(-1, *[1] * (ets.ndim - 1))
    own = np.log1p(np.clip(model.median, 0, None))
    shift = w * (np.log1p(np.clip(ets, 0, None)) - own)  # how far the P50 moves, log1p scale

    def moved(values: np.ndarray | None) -> np.ndarray | None:
        if values is None:
            return None
        return np.clip(np.expm1(np.log1p(np.clip(values, 0, None)) + shift), 0, None)

    return MethodForecast(moved(model.median), moved(model.low), moved(model.high))


class GlobalPredictor:
    """A trained global model: forecasts any JHU country's daily new confirmed cases."""

    def __init__(self, run_dir: Path, meta: dict[str, Any]) -> None:
        self.run_dir, self.meta = Path(run_dir), meta
        self.model = load_model(build_global_model, meta, run_dir).eval()
        self.horizon: int = meta["model_args"]["horizon"]
        self.input_days: int = meta["model_args"]["input_days"]
        self.series = [SERIES]
        self.ets_weights = ets_weights(meta, run_dir)

    def forecast_daily(self, daily: pd.Series, days: int) -> ForecastResult:
        """Daily counts (>= 0) -> actual and forecast table with the P10-P90 band."""
        if not 1 <= days <= self.horizon:
            raise UserError(f"The global model forecasts 1..{self.horizon} days (got {days}).")
        if len(daily) < self.input_days:
            raise UserError(f"Need at least {self.input_days + 1} days of data to forecast.")
        start = daily.index[-1] + pd.Timedelta(days=1)
        history = daily.to_numpy(dtype=float)[None, -self.input_days :]
        q = forecast_quantiles(
            self.model, history, np.array([start.weekday()]), self.meta["level_days"]
        )
        out = MethodForecast(q[0, :days, 1], q[0, :days, 0], q[0, :days, 2])
        if any(self.ets_weights):  # AutoETS on the same days, blended
            ets = forecast_baselines(daily.to_frame(SERIES), days, (ETS,))[ETS].median[:, 0]
            out = blend(out, ets, self.ets_weights)
        return forecast_table(daily, out.median, out.low, out.high)


def ets_weights(meta: dict[str, Any], run_dir: Path) -> tuple[float, float]:
    """The run's AutoETS blend weights (h 1..7, h 8..14); runs from before the blend: (0, 0)."""
    weights = meta.get("ets_weights", [0.0, 0.0])
    valid = isinstance(weights, list) and len(weights) == 2
    if not valid or not all(isinstance(w, int | float) and 0 <= w <= 1 for w in weights):
        raise UserError(f"{run_dir}: ets_weights must be two numbers in 0..1; retrain the run.")
    return float(weights[0]), float(weights[1])


def forecast_table(
    daily: pd.Series, median: np.ndarray, low: np.ndarray | None, high: np.ndarray | None
) -> ForecastResult:
    """The table the CLI and page show: actual days, then forecast days with a band."""
    dates = pd.date_range(daily.index[-1] + pd.Timedelta(days=1), periods=len(median))
    future = pd.DataFrame({"date": dates, "kind": "forecast", SERIES: median})
    future[f"{SERIES}_low"] = median if low is None else low
    future[f"{SERIES}_high"] = median if high is None else high
    past = pd.DataFrame({"date": daily.index, "kind": "actual", SERIES: daily.to_numpy()})
    table = pd.concat([past, future], ignore_index=True)
    return ForecastResult(table, [SERIES], first_zero_date(dates, median))


def is_global_run(run_dir: Path) -> bool:
    """True for a `train --model global` run (the tutorial model's runs say CovidEnsemble)."""
    return read_model_meta(run_dir).get("model") == GLOBAL_MODEL_NAME


def load_global(run_dir: Path) -> GlobalPredictor:
    """The global model of a finished run (safetensors + JSON; no pickle anywhere)."""
    return GlobalPredictor(run_dir, read_model_meta(run_dir, expected_app=APP))
