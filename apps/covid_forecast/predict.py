"""Step 5, use the model: recursive forecasts of daily new counts, and the baselines.

    refapps covid_forecast forecast --days 60 --out forecast.csv

Every forecaster maps a history of daily counts (N, C) to the next `horizon` days
(horizon, C): the LSTM ensemble (one path per member, fed back through a preallocated
window tensor), "tomorrow equals today", a weekly-drift rule and a log-linear trend.
The CLI and the Streamlit page both call `load_predictor(run_dir).forecast(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from common.checkpoint import load_model, read_model_meta
from common.errors import UserError

from .config import APP
from .data import daily_increments
from .model import CovidEnsemble, build_model


def naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """Tomorrow (and every later day) equals today."""
    return np.repeat(history[-1:], horizon, axis=0)


def weekly_drift(history: np.ndarray, horizon: int) -> np.ndarray:
    """Today times the average daily growth factor of the last week, compounded."""
    floor = np.maximum(history, 1.0)
    daily_factor = (floor[-1] / floor[-8]) ** (1 / 7)  # (C,)
    steps = np.arange(1, horizon + 1)[:, None]
    return history[-1] * daily_factor**steps


def log_linear(history: np.ndarray, horizon: int, fit_days: int = 7) -> np.ndarray:
    """A straight line through log(counts) of the last `fit_days`, extended (exponential trend)."""
    logs = np.log(np.maximum(history[-fit_days:], 1.0))  # (fit_days, C)
    days = np.arange(fit_days, dtype=float)
    slope, intercept = np.polyfit(days, logs, 1)  # each (C,)
    future = np.arange(fit_days, fit_days + horizon, dtype=float)[:, None]
    return np.exp(intercept + slope * future)


FORECASTERS = {"naive": naive, "weekly_drift": weekly_drift, "log_linear": log_linear}


@torch.no_grad()
def forecast_members(model: CovidEnsemble, history: np.ndarray, horizon: int, window: int):
    """(N, C) daily counts -> (E, horizon, C): each member fed its own forecasts back."""
    model.eval()
    num_members, num_series = len(model.members), history.shape[1]
    path = torch.empty(num_members, window + horizon, num_series)  # preallocated, no appends
    path[:, :window] = torch.as_tensor(history[-window:], dtype=torch.float32)
    for step in range(horizon):
        for index, member in enumerate(model.members):
            path[index, window + step] = member(path[index : index + 1, step : step + window])[0]
    return path[:, window:].numpy()


def first_zero_date(dates: pd.DatetimeIndex, values: np.ndarray) -> pd.Timestamp | None:
    """The first date whose (rounded) daily count is zero, or None when it never is."""
    hits = np.flatnonzero(np.round(values) <= 0)
    return dates[hits[0]] if len(hits) else None


@dataclass
class ForecastResult:
    table: pd.DataFrame  # date, kind (actual / forecast), then per series: value, low, high
    series: list[str]
    zero_date: pd.Timestamp | None  # first forecast day with no new cases of the first series


class Predictor:
    """A trained ensemble with its window length and series names."""

    def __init__(self, model: CovidEnsemble, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.meta = meta
        self.series: list[str] = meta["series"]
        self.window: int = meta["window"]

    def forecast(self, cumulative: pd.DataFrame, days: int, members: int | None = None):
        """Validated cumulative counts -> actual and forecast daily counts with a band."""
        if list(cumulative.columns) != self.series:
            raise UserError(
                f"This model forecasts {', '.join(self.series)}; the data has "
                f"{', '.join(map(str, cumulative.columns))}."
            )
        if not 1 <= days <= 1000:
            raise UserError(f"--days must be in 1..1000 (got {days})")
        increments = daily_increments(cumulative)
        if len(increments) < self.window:
            raise UserError(f"Need at least {self.window + 1} days of data to forecast.")
        paths = forecast_members(self.model, increments.to_numpy(float), days, self.window)
        paths = paths[: members or len(paths)]  # (E, days, C)
        dates = pd.date_range(increments.index[-1] + pd.Timedelta(days=1), periods=days)
        future = pd.DataFrame({"date": dates, "kind": "forecast"})
        for i, name in enumerate(self.series):
            future[name] = paths[:, :, i].mean(0)
            future[f"{name}_low"], future[f"{name}_high"] = (
                paths[:, :, i].min(0),
                paths[:, :, i].max(0),
            )
        past = increments.reset_index().assign(kind="actual")
        table = pd.concat([past, future], ignore_index=True)
        return ForecastResult(
            table, self.series, first_zero_date(dates, future[self.series[0]].to_numpy())
        )


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the ensemble of a finished run (safetensors + JSON; no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build_model, meta, run_dir)
    return Predictor(model, meta)


def plot_forecast(result: ForecastResult) -> Figure:
    """Per series: actual daily counts, the ensemble mean forecast and its min-max band."""
    import matplotlib.pyplot as plt

    series = result.series
    fig, axes = plt.subplots(1, len(series), figsize=(4.5 * len(series), 3.4), squeeze=False)
    actual = result.table[result.table["kind"] == "actual"]
    future = result.table[result.table["kind"] == "forecast"]
    for ax, name in zip(axes[0], series, strict=True):
        ax.plot(actual["date"], actual[name], "k-", label="actual")
        ax.plot(future["date"], future[name], "-", color="tab:blue", label="forecast")
        ax.fill_between(future["date"], future[f"{name}_low"], future[f"{name}_high"], alpha=0.25)
        ax.set_title(f"new {name} per day")
        ax.tick_params(axis="x", rotation=45)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
