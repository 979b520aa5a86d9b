"""`refapps covid_forecast backtest`: the global model and every baseline, at the same origins.

    refapps covid_forecast backtest              # last 26 weeks, 20 countries, h = 1..14

Origins (first forecast days) every 7 days over the last 26 weeks of the data. At each
origin every method sees only the days before it: the raw cumulative counts are cut there
first, then corrected (data.correct_downward) and differenced, and the global model is
retrained on that history alone (top countries chosen at the origin, too). The actual
values are the reported daily counts, negatives clipped to 0. `add_blend` turns the
network's row into the default blend with AutoETS (predict.py) and keeps the network alone
as `global_only`, reusing the AutoETS fits the backtest made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..baselines import BASELINES, MethodForecast, forecast_baselines
from ..config import GlobalConfig
from ..data import daily_from_cumulative, top_countries
from ..predict import ETS, blend

MODEL_METHOD = "global"
MODEL_ALONE = "global_only"
PERIOD_WEEKS = 26
STEP_DAYS = 7

Forecaster = Callable[[pd.DataFrame, list[str], int], dict[str, MethodForecast]]


def backtest_origins(
    dates: pd.DatetimeIndex, horizon: int, weeks: int = PERIOD_WEEKS, step_days: int = STEP_DAYS
) -> list[pd.Timestamp]:
    """First forecast days: every `step_days` from (last day - weeks - 1 day) while h days fit."""
    first = dates[-1] - pd.Timedelta(days=weeks * 7 + 1)
    last = dates[-1] - pd.Timedelta(days=horizon - 1)
    origins = pd.date_range(
        max(first, dates[0] + pd.Timedelta(days=60)), last, freq=f"{step_days}D"
    )
    return list(origins)


def global_forecaster(cfg: GlobalConfig, device: Any = None) -> Forecaster:
    """The global model, retrained every `cfg.refit_every` calls on the history it is given.

    Between refits the model of the last refit forecasts from each new origin's history: it
    was trained on days before an earlier origin, so it has never seen a later day either.
    """
    fitted: list[Any] = []  # [model] of the last refit
    calls = [0]

    def forecast(daily: pd.DataFrame, countries: list[str], horizon: int) -> dict:
        from ..model import forecast_quantiles
        from ..train import fit_global

        if calls[0] % cfg.refit_every == 0:
            train_on = top_countries(daily.cumsum(), cfg.num_countries)  # known at the origin
            fitted[:] = [fit_global(daily[train_on], cfg, device=device)[0]]
        calls[0] += 1
        model = fitted[0]
        history = daily[countries].to_numpy()[-cfg.input_days :].T  # (S, input_days)
        weekday = np.full(len(countries), (daily.index[-1] + pd.Timedelta(days=1)).weekday())
        q = forecast_quantiles(model, history, weekday, cfg.level_days)[:, :horizon]  # (S, H, 3)
        return {MODEL_METHOD: MethodForecast(q[..., 1].T, q[..., 0].T, q[..., 2].T)}

    return forecast


def baseline_forecaster(names: tuple[str, ...] = BASELINES) -> Forecaster:
    def forecast(daily: pd.DataFrame, countries: list[str], horizon: int) -> dict:
        return forecast_baselines(daily[countries], horizon, names)

    return forecast


@dataclass
class JhuBacktest:
    origins: list[pd.Timestamp]
    countries: list[str]
    actual: np.ndarray  # (O, H, S)
    scale: np.ndarray  # (O, S) MASE scale: mean |y_t - y_(t-7)| of each history
    median: dict[str, np.ndarray] = field(default_factory=dict)  # method -> (O, H, S)
    low: dict[str, np.ndarray] = field(default_factory=dict)
    high: dict[str, np.ndarray] = field(default_factory=dict)


def run_jhu_backtest(
    cumulative: pd.DataFrame,
    countries: list[str],
    forecasters: list[Forecaster],
    horizon: int = 14,
    origins: list[pd.Timestamp] | None = None,
    on_origin: Callable[[int, int], None] | None = None,
) -> JhuBacktest:
    """Every forecaster at every origin, each given only the raw days before the origin."""
    origins = origins or backtest_origins(cumulative.index, horizon)
    reported = cumulative.diff().clip(lower=0)[countries]  # what the target days reported
    shape = (len(origins), horizon, len(countries))
    bt = JhuBacktest(origins, countries, np.full(shape, np.nan), np.ones(shape[::2]))
    for k, origin in enumerate(origins):
        daily = daily_from_cumulative(cumulative[cumulative.index < origin])  # cut, then clean
        seen = reported.loc[origin : origin + pd.Timedelta(days=horizon - 1)].to_numpy()
        bt.actual[k, : len(seen)] = seen
        lagged = daily[countries].to_numpy()
        bt.scale[k] = np.maximum(np.abs(lagged[7:] - lagged[:-7]).mean(0), 1.0)
        for forecaster in forecasters:
            for method, out in forecaster(daily, countries, horizon).items():
                _store(bt, method, k, out, shape)
        if on_origin is not None:
            on_origin(k + 1, len(origins))
    return bt


def _store(bt: JhuBacktest, method: str, k: int, out: MethodForecast, shape: tuple) -> None:
    for target, values in ((bt.median, out.median), (bt.low, out.low), (bt.high, out.high)):
        if values is None:
            continue
        target.setdefault(method, np.full(shape, np.nan))[k] = values


def add_blend(bt: JhuBacktest, weights: tuple[float, float], model: str = MODEL_METHOD) -> None:
    """`model` becomes the blend with AutoETS; the network alone stays as `global_only`.

    Reuses the AutoETS forecasts the backtest already made at each origin (no refit). With
    both weights 0 (or no AutoETS in the backtest) nothing changes.
    """
    if not any(weights) or ETS not in bt.median or model not in bt.median:
        return
    alone = MethodForecast(bt.median[model], bt.low.get(model), bt.high.get(model))
    ets = np.moveaxis(bt.median[ETS], 1, 0)  # (H, O, S): the horizon first, as blend wants
    moved = [None if v is None else np.moveaxis(v, 1, 0) for v in (alone.low, alone.high)]
    mixed = blend(MethodForecast(np.moveaxis(alone.median, 1, 0), *moved), ets, weights)
    for target, values, own in (
        (bt.median, mixed.median, alone.median),
        (bt.low, mixed.low, alone.low),
        (bt.high, mixed.high, alone.high),
    ):
        if values is None:
            continue
        rest = {k: v for k, v in target.items() if k != model}
        target.clear()
        target.update({model: np.moveaxis(values, 0, 1), MODEL_ALONE: own} | rest)
