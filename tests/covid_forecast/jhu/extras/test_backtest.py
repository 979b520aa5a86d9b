"""`backtest`: every method sees only the days before each origin; the blend row and its twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from apps.covid_forecast.jhu.config import GlobalConfig
from apps.covid_forecast.jhu.data import country_matrix
from apps.covid_forecast.jhu.extras.backtest import (
    MODEL_ALONE,
    MethodForecast,
    add_blend,
    backtest_origins,
    baseline_forecaster,
    global_forecaster,
    run_jhu_backtest,
)
from apps.covid_forecast.jhu.extras.report import score_rows

from ...conftest import growing_jhu


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


def last_value(daily: pd.DataFrame, countries: list[str], horizon: int) -> dict:
    """A stand-in for the network (its own no-look-ahead test is above)."""
    last = np.repeat(daily[countries].to_numpy()[-1:], horizon, axis=0)
    return {"global": MethodForecast(last, last / 2, last * 2)}


def test_backtest_blend_uses_only_days_before_each_origin(tmp_path: Path) -> None:
    cumulative = country_matrix(growing_jhu(tmp_path / "jhu", num_days=80), corrected=False)
    origin = backtest_origins(cumulative.index, horizon=7)[0]
    changed = cumulative.copy()
    changed.loc[changed.index >= origin] *= 10  # a different future
    runs = []
    for frame in (cumulative, changed):
        forecasters = [last_value, baseline_forecaster(("Naive", "AutoETS"))]
        bt = run_jhu_backtest(frame, ["Italy", "US"], forecasters, 7, [origin])
        add_blend(bt, (0.5, 0.5))
        runs.append(bt)
    assert list(runs[0].median)[:2] == ["global", MODEL_ALONE]
    assert np.array_equal(runs[0].median["global"], runs[1].median["global"])
    assert not np.allclose(runs[0].median["global"], runs[0].median[MODEL_ALONE])


def test_backtest_without_weights_has_no_extra_row(tmp_path: Path) -> None:
    cumulative = country_matrix(growing_jhu(tmp_path / "jhu", num_days=80), corrected=False)
    origin = backtest_origins(cumulative.index, horizon=7)[0]
    forecasters = [last_value, baseline_forecaster(("Naive", "AutoETS"))]
    bt = run_jhu_backtest(cumulative, ["Italy"], forecasters, 7, [origin])
    add_blend(bt, (0.0, 0.0))
    assert MODEL_ALONE not in bt.median
