"""The statsforecast models: AutoETS, which the default forecast blends in, and the baselines.

    refapps covid_forecast forecast --country Italy    # AutoETS(7) on Italy's days, blended
    refapps covid_forecast backtest                    # the global model beside every baseline

Naive, SeasonalNaive(7), RandomWalkWithDrift, WindowAverage(7), AutoETS (season 7) and
AutoTheta (season 7), each fitted per series on the days it is given (in a backtest, the
days before an origin), with its own 80 % interval (P10-P90) where the method has one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

BASELINES = (
    "Naive",
    "SeasonalNaive",
    "RandomWalkWithDrift",
    "WindowAverage",
    "AutoETS",
    "AutoTheta",
)
NO_INTERVAL = ("WindowAverage",)  # statsforecast gives it no interval without conformal fits


@dataclass
class MethodForecast:
    median: np.ndarray  # (H, S) point forecast, counts >= 0
    low: np.ndarray | None  # (H, S) P10, or None when the method has no interval
    high: np.ndarray | None  # (H, S) P90


def make_models(names: tuple[str, ...] = BASELINES) -> list[object]:
    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast.models import (
        AutoETS,
        AutoTheta,
        Naive,
        RandomWalkWithDrift,
        SeasonalNaive,
        WindowAverage,
    )

    every = {
        "Naive": Naive(),
        "SeasonalNaive": SeasonalNaive(season_length=7),
        "RandomWalkWithDrift": RandomWalkWithDrift(alias="RandomWalkWithDrift"),
        "WindowAverage": WindowAverage(window_size=7),
        "AutoETS": AutoETS(season_length=7),
        "AutoTheta": AutoTheta(season_length=7),
    }
    return [every[name] for name in names]


def forecast_baselines(
    daily: pd.DataFrame, horizon: int, names: tuple[str, ...] = BASELINES
) -> dict[str, MethodForecast]:
    """(dates x series) daily counts up to an origin -> each method's next `horizon` days."""
    long = daily.reset_index(names="ds").melt(id_vars="ds", var_name="unique_id", value_name="y")
    long["unique_id"] = long["unique_id"].astype(str)
    banded = [n for n in names if n not in NO_INTERVAL]
    out = _forecast(long, banded, horizon, level=[80])
    for name in (n for n in names if n in NO_INTERVAL):  # asking them for a band raises
        out[name] = _forecast(long, [name], horizon)[name].to_numpy()
    out["unique_id"] = pd.Categorical(out["unique_id"], [str(c) for c in daily.columns])
    out = out.sort_values(["unique_id", "ds"])
    result = {}
    for name in names:
        result[name] = MethodForecast(
            _grid(out, name, horizon),
            _grid(out, f"{name}-lo-80", horizon),
            _grid(out, f"{name}-hi-80", horizon),
        )
    return result


def _forecast(long: pd.DataFrame, names: list[str], horizon: int, **kwargs: Any) -> pd.DataFrame:
    from statsforecast import StatsForecast

    engine = StatsForecast(models=make_models(tuple(names)), freq="D", n_jobs=1)
    return engine.forecast(df=long[["unique_id", "ds", "y"]], h=horizon, **kwargs)


def _grid(out: pd.DataFrame, column: str, horizon: int) -> np.ndarray | None:
    """A long forecast column -> (H, S), clipped at zero (counts are never negative)."""
    if column not in out:
        return None
    values = out[column].to_numpy(dtype=float).reshape(-1, horizon).T
    return np.clip(np.nan_to_num(values, nan=0.0), 0, None)
