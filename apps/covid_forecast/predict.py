"""Step 5 of 6, use the model: recursive forecasts of daily new counts, and the first zero day.

    refapps covid_forecast forecast --days 60 --out forecast.csv

The LSTM ensemble maps a history of daily counts (N, C) to the next `days` days: each member
forecasts one day, which is fed back into its window (a preallocated tensor, no appends).
The band spans the members. The CLI and the Streamlit page both call
`load_predictor(run_dir).forecast(...)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from common.checkpoint import load_model, read_model_meta
from common.errors import UserError

from .config import APP
from .data import daily_increments
from .forecasts import ForecastResult, first_zero_date
from .model import CovidEnsemble, build_model


@torch.no_grad()
def forecast_members(
    model: CovidEnsemble, history: np.ndarray, horizon: int, window: int
) -> np.ndarray:
    """(N, C) daily counts -> (E, horizon, C): each member fed its own forecasts back."""
    model.eval()
    num_members, num_series = len(model.members), history.shape[1]
    path = torch.empty(num_members, window + horizon, num_series)  # preallocated, no appends
    path[:, :window] = torch.as_tensor(history[-window:], dtype=torch.float32)
    for step in range(horizon):
        for index, member in enumerate(model.members):
            path[index, window + step] = member(path[index : index + 1, step : step + window])[0]
    return path[:, window:].numpy()


class Predictor:
    """A trained ensemble with its window length and series names."""

    def __init__(self, model: CovidEnsemble, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.meta = meta
        self.series: list[str] = meta["series"]
        self.window: int = meta["window"]

    def forecast(
        self, cumulative: pd.DataFrame, days: int, members: int | None = None
    ) -> ForecastResult:
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
            future[f"{name}_low"] = paths[:, :, i].min(0)
            future[f"{name}_high"] = paths[:, :, i].max(0)
        past = increments.reset_index().assign(kind="actual")
        table = pd.concat([past, future], ignore_index=True)
        zero = first_zero_date(dates, future[self.series[0]].to_numpy())
        return ForecastResult(table, self.series, zero)


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the ensemble of a finished run (safetensors + JSON; no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build_model, meta, run_dir)
    return Predictor(model, meta)
