from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from apps.covid_forecast.jhu.config import GlobalConfig
from apps.covid_forecast.jhu.data import daily_from_cumulative
from apps.covid_forecast.jhu.model import forecast_quantiles
from apps.covid_forecast.jhu.train import CountSmape, PinballLoss, fit_global, make_global_windows
from apps.covid_forecast.scores import smape

from ..conftest import growing_daily

TINY = GlobalConfig(input_days=14, horizon=7, hidden_size=16, num_members=2, epochs=4)


def test_pinball_loss_is_zero_only_at_the_target() -> None:
    targets = torch.tensor([[1.0, 2.0, 1.0, 0.0]])  # H = 2, then weight 1, level 0
    exact = torch.tensor([[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]])
    assert float(PinballLoss()(exact, targets)) == 0.0
    assert float(PinballLoss()(exact + 1, targets)) > 0.0


def test_growing_series_is_never_forecast_to_collapse() -> None:
    daily = growing_daily()
    model, history = fit_global(daily, TINY)
    assert history[-1]["train/loss"] < history[0]["train/loss"]
    last = daily.to_numpy()[-TINY.input_days :].T  # (S, T)
    weekday = np.full(len(last), (daily.index[-1] + pd.Timedelta(days=1)).weekday())
    q = forecast_quantiles(model, last, weekday, TINY.level_days)
    assert (q[..., 1] > 0.5 * last[:, -7:].mean(1)[:, None]).all()  # no fall towards zero


def test_windows_never_cross_the_end_of_the_history() -> None:
    daily = growing_daily(num_days=40, num_series=2)
    windows = make_global_windows(daily, TINY)
    assert len(windows.x) == 2 * (40 - TINY.input_days - TINY.horizon + 1)
    assert windows.y.shape[1] == TINY.horizon + 2


def test_validation_smape_is_the_backtest_smape_in_counts() -> None:
    windows = make_global_windows(growing_daily(num_days=40, num_series=2), TINY)
    level = windows.y[:, -1]
    preds = torch.stack([windows.y[:, :-2] + 0.1] * 3, dim=-1)  # every quantile 10 % off
    metric = CountSmape()
    metric.update(preds, windows.y)
    counts = torch.expm1(windows.y[:, :-2] + level[:, None])
    expected = smape(torch.expm1(windows.y[:, :-2] + 0.1 + level[:, None]), counts)
    assert float(metric.compute()) == pytest.approx(expected, rel=1e-5)
    assert expected > 0.01


def test_cleaning_uses_only_the_days_it_is_given() -> None:
    cumulative = pd.DataFrame(
        {"a": [1.0, 5.0, 9.0, 7.0]}, index=pd.date_range("2020-3-1", periods=4)
    )
    assert daily_from_cumulative(cumulative.iloc[:3])["a"].tolist() == [4, 4]
    assert daily_from_cumulative(cumulative)["a"].tolist() == [4, 2, 0]


def test_a_global_run_holds_its_model_history_and_validation_metrics(
    tiny_global_run: Path,
) -> None:
    meta = json.loads((tiny_global_run / "model.json").read_text())
    assert meta["model"] == "CovidGlobalMLP"
    assert meta["countries"] == [
        "Yland",
        "Xland",
        "US",
        "Korea, South",
        "Italy",
    ]  # most cases first
    history = (tiny_global_run / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,train/loss")
    assert len(history) == 1 + 2  # two epochs
    metrics = json.loads((tiny_global_run / "metrics.json").read_text())
    assert {"val/smape", "val/loss", "train/loss", "train_seconds"} <= set(metrics)
