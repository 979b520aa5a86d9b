from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from apps.covid_forecast.baselines import BASELINES, forecast_baselines
from apps.covid_forecast.config import GlobalConfig
from apps.covid_forecast.global_model import (
    CovidGlobalEnsemble,
    forecast_quantiles,
    pack_windows,
    scale_windows,
    unscale,
)
from apps.covid_forecast.global_train import PinballLoss, fit_global, make_global_windows
from apps.covid_forecast.jhu import country_matrix
from apps.covid_forecast.jhu_backtest import (
    MethodForecast,
    backtest_origins,
    daily_from_cumulative,
    global_forecaster,
    run_jhu_backtest,
)
from apps.covid_forecast.scores import score_rows, smape

from .conftest import growing_jhu

TINY = GlobalConfig(input_days=14, horizon=7, hidden_size=16, num_members=2, epochs=4)


def growing_daily(num_days: int = 90, num_series: int = 6) -> pd.DataFrame:
    t = np.arange(num_days)[:, None]
    levels = 10.0 * 3 ** np.arange(num_series)[None, :]
    values = levels * np.exp(0.02 * t) * (1 - 0.3 * (t % 7 == 6))
    return pd.DataFrame(values, index=pd.date_range("2020-03-01", periods=num_days))


def test_per_window_scaling_round_trip() -> None:
    history = np.array([[0.0, 3.0, 10.0, 50.0], [1000.0, 2000.0, 1500.0, 0.0]])
    scaled, level = scale_windows(history, level_days=2)
    assert torch.allclose(unscale(scaled, level), torch.as_tensor(history).float(), rtol=1e-4)
    assert torch.allclose(scaled[:, -2:].mean(1), torch.zeros(2), atol=1e-5)  # level removed


def test_quantiles_are_ordered_and_counts_never_negative() -> None:
    torch.manual_seed(0)
    model = CovidGlobalEnsemble(input_days=14, horizon=7, hidden_size=8, num_members=2)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=2.0)  # wild weights: the order must hold anyway
    out = model(pack_windows(np.random.rand(32, 14) * 1e4, np.arange(32) % 7, 7))
    assert out.shape == (32, 2, 7, 3)
    assert (out[..., 0] < out[..., 1]).all()
    assert (out[..., 1] < out[..., 2]).all()
    counts = forecast_quantiles(model, np.random.rand(5, 14) * 100, np.zeros(5), 7)
    assert (counts >= 0).all()
    assert (np.diff(counts, axis=-1) >= 0).all()


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


def test_statsforecast_baselines_on_a_tiny_fixture() -> None:
    daily = growing_daily(num_days=35, num_series=2)
    out = forecast_baselines(daily, horizon=5)
    assert set(out) == set(BASELINES)
    for name, forecast in out.items():
        assert forecast.median.shape == (5, 2), name
        assert (forecast.median >= 0).all()
        assert np.isfinite(forecast.median).all()
    assert np.allclose(out["Naive"].median, daily.to_numpy()[-1])
    assert out["WindowAverage"].low is None
    assert out["AutoETS"].low is not None


def test_backtest_never_lets_a_method_see_its_origin_or_later(tmp_path: Path) -> None:
    cumulative = country_matrix(growing_jhu(tmp_path / "jhu", num_days=100), corrected=False)
    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def spy(daily: pd.DataFrame, countries: list[str], horizon: int) -> dict:
        seen.append((daily.index[-1], daily.index[0]))
        last = np.repeat(daily[countries].to_numpy()[-1:], horizon, axis=0)
        return {"Naive": MethodForecast(last, None, None)}

    origins = backtest_origins(cumulative.index, horizon=7)
    bt = run_jhu_backtest(cumulative, ["Italy", "US"], [spy], horizon=7, origins=origins)
    assert len(origins) >= 2
    assert all(last < origin for (last, _), origin in zip(seen, origins, strict=True))
    assert not np.isnan(bt.actual).any()
    rows = score_rows(bt, horizons=(7,))
    assert {r["country"] for r in rows} == {"all", "Italy", "US"}


def test_global_backtest_forecast_ignores_every_later_day(tmp_path: Path) -> None:
    cumulative = country_matrix(growing_jhu(tmp_path / "jhu", num_days=80), corrected=False)
    origin = backtest_origins(cumulative.index, horizon=7)[0]
    changed = cumulative.copy()
    changed.loc[changed.index >= origin] *= 10  # a different future, and a later correction
    changed.iloc[-1] = changed.iloc[-1] // 100
    cfg = GlobalConfig(input_days=14, horizon=7, hidden_size=8, num_members=1, epochs=2)
    runs = [
        run_jhu_backtest(c, ["Italy"], [global_forecaster(cfg)], 7, [origin])
        for c in (cumulative, changed)
    ]
    assert np.array_equal(runs[0].median["global"], runs[1].median["global"])
    assert not np.array_equal(runs[0].actual, runs[1].actual)  # the targets did change


def test_cleaning_uses_only_the_days_it_is_given() -> None:
    cumulative = pd.DataFrame(
        {"a": [1.0, 5.0, 9.0, 7.0]}, index=pd.date_range("2020-3-1", periods=4)
    )
    assert daily_from_cumulative(cumulative.iloc[:3])["a"].tolist() == [4, 4]
    assert daily_from_cumulative(cumulative)["a"].tolist() == [4, 2, 0]


@pytest.mark.parametrize(
    ("f", "y", "expected"), [(0.0, 0.0, 0.0), (1.0, 3.0, 1.0), (0.0, 5.0, 2.0)]
)
def test_smape_definition(f: float, y: float, expected: float) -> None:
    assert smape(np.array([f]), np.array([y])) == pytest.approx(expected)
