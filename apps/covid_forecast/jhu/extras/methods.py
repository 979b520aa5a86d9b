"""--method baseline | auto (forecast, global runs): the best baseline or the backtest's winner.

    refapps covid_forecast backtest
    refapps covid_forecast forecast --country KOR --method auto

`model` (the default) is the global model (predict.py). `baseline` forecasts with the
country's best statsforecast baseline in the run's backtest (relMAE, h 1..7), AutoETS when
the country was not backtested (the best baseline pooled over 20 countries in MEASURED.md's
reference run). `auto` takes the backtest's winner for the country, the model when there is
none. `verdict` says in one sentence whether the model lost on the country's own backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...forecasts import ForecastResult
from ..baselines import forecast_baselines
from ..predict import GlobalPredictor, forecast_table
from .backtest import MODEL_METHOD

METHODS = ("model", "baseline", "auto")


@dataclass
class Verdict:
    best: str | None  # the winner of the country's own backtest (relMAE, h 1..7)
    best_baseline: str | None
    sentence: str


def verdict(backtest: dict[str, Any] | None, country: str) -> Verdict:
    """What the country's own backtest says about the model, in one sentence."""
    if backtest is None:
        return Verdict(None, None, "No backtest in this run yet: refapps covid_forecast backtest")
    best = backtest.get("best", {}).get(country)
    baseline = backtest.get("best_baseline", {}).get(country)
    if best is None:
        sentence = f"{country} is not in this run's backtest (backtest --country {country!r})."
    elif best == MODEL_METHOD:
        sentence = f"On {country}'s own backtest the global model beat every baseline."
    else:
        sentence = f"On {country}'s own backtest the model LOST to {best} (relMAE, h 1..7)."
    return Verdict(best, baseline, sentence)


def pick_method(method: str, judged: Verdict) -> str:
    """model -> global; baseline -> the country's best baseline; auto -> the backtest winner."""
    if method == "model":
        return MODEL_METHOD
    if method == "auto":
        return judged.best or MODEL_METHOD
    return judged.best_baseline or "AutoETS"


def forecast_with(
    use: str, predictor: GlobalPredictor, daily: pd.Series, days: int
) -> ForecastResult:
    """The forecast of method `use`: the global model, or one statsforecast baseline."""
    if use == MODEL_METHOD:
        return predictor.forecast_daily(daily, days)
    out = forecast_baselines(daily.to_frame("series"), days, (use,))[use]
    low, high = (None, None) if out.low is None else (out.low[:, 0], out.high[:, 0])
    return forecast_table(daily, out.median[:, 0], low, high)
