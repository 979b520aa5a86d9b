"""`refapps covid_forecast evaluate`: a rolling-origin backtest of the ensemble against baselines.

    refapps covid_forecast evaluate --days 10

For each of the last `num_days` days (an origin), a fresh ensemble is trained on the days
before it only, and every forecaster predicts the next `horizon` days from the same
history: the LSTM ensemble, "tomorrow equals today", a weekly-drift rule and a log-linear
trend. Horizon 1 is scored on every origin; horizon h on the origins whose h days all lie
in the data. The baselines run through the same loop, so the comparison is fair.
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

from common.config import TrainConfig
from common.device import fixed_threads
from common.files import write_json
from common.metrics import regression_metrics
from common.runs import read_config, restore_config

from ..config import DataConfig, ModelConfig
from ..data import daily_increments, load_series, make_loaders
from ..predict import forecast_members
from ..train import fit_ensemble

MODEL_METHOD = "lstm"


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


@dataclass
class Backtest:
    origins: list[pd.Timestamp]  # the first forecast day of each origin
    actual: np.ndarray  # (O, H, C), NaN past the end of the data
    forecasts: dict[str, np.ndarray]  # method -> (O, H, C)
    series: list[str]


def run_backtest(
    cumulative: pd.DataFrame,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    num_days: int = 10,
    horizon: int = 7,
) -> Backtest:
    """Retrain at every origin on the past only; forecast `horizon` days with every method."""
    increments = daily_increments(cumulative)
    values = increments.to_numpy(dtype=float)
    first = len(values) - num_days
    if first < data_cfg.window + 2:
        raise_short(len(values), num_days, data_cfg.window)
    num_series = values.shape[1]
    actual = np.full((num_days, horizon, num_series), np.nan)
    forecasts = {m: np.full_like(actual, np.nan) for m in (MODEL_METHOD, *FORECASTERS)}
    with fixed_threads(train_cfg.num_threads):
        for k, origin in enumerate(range(first, len(values))):
            past = values[:origin]
            seen = min(horizon, len(values) - origin)
            actual[k, :seen] = values[origin : origin + seen]
            loaders = make_loaders(increments.iloc[:origin], data_cfg.window)
            model, _, _ = fit_ensemble(loaders, model_cfg, train_cfg)
            paths = forecast_members(model, past, horizon, data_cfg.window)
            forecasts[MODEL_METHOD][k] = paths.mean(0)
            for name, forecaster in FORECASTERS.items():
                forecasts[name][k] = forecaster(past, horizon)
    origins = list(increments.index[first:])
    return Backtest(origins, actual, forecasts, [str(c) for c in increments.columns])


def evaluate(
    run_dir: Path, num_days: int = 10, cumulative: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Backtest the run's configuration (retrained per origin) on its data or `cumulative`."""
    from common.plots import save_figure

    saved = read_config(run_dir)
    data_cfg = restore_config(DataConfig, saved["data"])
    model_cfg = restore_config(ModelConfig, saved["model"])
    train_cfg = restore_config(TrainConfig, saved["train"], resume=None)
    if cumulative is None:
        cumulative = load_series(data_cfg)
    bt = run_backtest(cumulative, data_cfg, model_cfg, train_cfg, num_days)
    rows = score_table(bt)
    figure_path = save_figure(plot_backtest(bt), Path(run_dir) / "backtest.png")
    result = {"num_days": num_days, "rows": rows, "plot": str(figure_path)}
    write_json(Path(run_dir) / "backtest.json", result)
    return result


def raise_short(num_increments: int, num_days: int, window: int) -> None:
    from common.errors import UserError

    raise UserError(
        f"A {num_days}-day backtest with {window}-day windows needs more than "
        f"{num_days + window + 2} days of data (got {num_increments + 1})."
    )


def score(values: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """MAPE, sMAPE and MAE over every (origin, day, series) cell given."""
    metrics = regression_metrics()
    metrics.update(torch.as_tensor(values.ravel()), torch.as_tensor(targets.ravel()))
    return {k: float(v) for k, v in metrics.compute().items()}


def horizon_cells(bt: Backtest, horizon: int, origin: int | None = None) -> tuple[slice, list[int]]:
    """The day slice and the origins scored at `horizon` (those whose days are all known)."""
    complete = [k for k in range(len(bt.origins)) if not np.isnan(bt.actual[k, :horizon]).any()]
    return slice(0, horizon), complete if origin is None else [origin]


def score_table(bt: Backtest, horizons: tuple[int, ...] = (1, 7)) -> list[dict[str, object]]:
    """One row per (series or 'all', horizon, method): the figures the CLI and page show."""
    rows: list[dict[str, object]] = []
    for horizon in horizons:
        days, origins = horizon_cells(bt, horizon)
        if not origins:
            continue
        for index, name in [(slice(None), "all"), *((i, s) for i, s in enumerate(bt.series))]:
            target = bt.actual[origins, days][..., index]
            for method, forecast in bt.forecasts.items():
                figures = score(forecast[origins, days][..., index], target)
                row = {"series": name, "horizon": horizon, "method": method}
                rows.append(row | {"origins": len(origins)} | figures)
    return rows


def plot_backtest(bt: Backtest) -> Figure:
    """Per series: actual daily counts, and each method's 1-day-ahead forecast at every origin."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(bt.series), figsize=(4.5 * len(bt.series), 3.4), squeeze=False)
    for i, (ax, name) in enumerate(zip(axes[0], bt.series, strict=True)):
        ax.plot(bt.origins, bt.actual[:, 0, i], "k-o", ms=3, label="actual")
        for method, forecast in bt.forecasts.items():
            style = "-s" if method == MODEL_METHOD else "--"
            ax.plot(bt.origins, forecast[:, 0, i], style, ms=3, label=method)
        ax.set_title(f"{name}: 1 day ahead")
        ax.tick_params(axis="x", rotation=45)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
