"""The default forecast: the network blended with AutoETS, with the weights saved in the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.covid_forecast.jhu.baselines import BASELINES, MethodForecast, forecast_baselines
from apps.covid_forecast.jhu.config import GlobalConfig
from apps.covid_forecast.jhu.predict import blend, ets_weights, load_global
from common.errors import UserError

from ..conftest import growing_daily

DEFAULT = GlobalConfig()


def forecast(median: list[float], width: float = 2.0) -> MethodForecast:
    p50 = np.array(median)
    return MethodForecast(p50, p50 / width, p50 * width)


def test_weight_zero_gives_the_model_alone() -> None:
    model = forecast([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0])
    out = blend(model, np.full(8, 1000.0), (0.0, 0.0))
    for mixed, own in zip(
        (out.median, out.low, out.high), (model.median, model.low, model.high), strict=True
    ):
        assert np.allclose(mixed, own)


def test_blend_is_a_log1p_mean_per_horizon_bucket_and_moves_the_band() -> None:
    out = blend(forecast([99.0] * 8), np.full(8, 9999.0), (0.5, 1.0))
    assert np.allclose(out.median[:7], 999.0)  # expm1 of the mean of log1p(99), log1p(9999)
    assert np.allclose(out.median[7:], 9999.0)  # h 8.. takes the second weight
    assert (out.low < out.median).all()
    assert (out.median < out.high).all()
    assert (out.low >= 0).all()


def test_statsforecast_baselines_on_a_tiny_fixture() -> None:
    daily = growing_daily(num_days=35, num_series=2)
    out = forecast_baselines(daily, horizon=5)
    assert set(out) == set(BASELINES)
    for name, result in out.items():
        assert result.median.shape == (5, 2), name
        assert (result.median >= 0).all()
        assert np.isfinite(result.median).all()
    assert np.allclose(out["Naive"].median, daily.to_numpy()[-1])
    assert out["WindowAverage"].low is None
    assert out["AutoETS"].low is not None


def test_forecast_reads_the_blend_weight_from_the_saved_run(tiny_global_run: Path) -> None:
    predictor = load_global(tiny_global_run)
    assert predictor.ets_weights == (DEFAULT.ets_weight_h1_7, DEFAULT.ets_weight_h8_14)
    days = pd.date_range("2020-03-01", periods=60)
    daily = pd.Series(100.0 * np.exp(0.03 * np.arange(60)), index=days)
    predictor.ets_weights = (0.0, 0.0)  # the model alone
    own = predictor.forecast_daily(daily, 7).table["confirmed_num"].to_numpy()
    predictor.ets_weights = (1.0, 1.0)  # AutoETS alone
    ets = predictor.forecast_daily(daily, 7).table["confirmed_num"].to_numpy()
    assert not np.allclose(own[-7:], ets[-7:])
    assert np.allclose(own[:-7], ets[:-7])  # the actual days are the same


def test_a_bad_weight_in_the_saved_run_is_a_clear_error(tiny_global_run: Path) -> None:
    with pytest.raises(UserError, match="ets_weights"):
        ets_weights({"ets_weights": [0.5, 7]}, tiny_global_run)
    saved = json.loads((tiny_global_run / "model.json").read_text())["ets_weights"]
    assert saved == [DEFAULT.ets_weight_h1_7, DEFAULT.ets_weight_h8_14]


def test_a_run_from_before_the_blend_still_loads(tiny_global_run: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(tiny_global_run, old)
    meta = json.loads((old / "model.json").read_text())
    del meta["ets_weights"]  # saved before the blend existed
    (old / "model.json").write_text(json.dumps(meta))
    predictor = load_global(old)
    assert predictor.ets_weights == (0.0, 0.0)
    days = pd.date_range("2020-03-01", periods=30)
    result = predictor.forecast_daily(pd.Series(50.0, index=days), 3)
    assert len(result.table) == 30 + 3
