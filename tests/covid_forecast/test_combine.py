"""The AutoETS blend (combine.py), its weight in the saved run, and the in-sample naive figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from apps.covid_forecast.baselines import MethodForecast
from apps.covid_forecast.combine import MODEL_ALONE, add_blend, blend, choose_weight
from apps.covid_forecast.config import GlobalConfig
from apps.covid_forecast.global_run import load_global
from apps.covid_forecast.jhu import country_matrix
from apps.covid_forecast.jhu_backtest import (
    backtest_origins,
    baseline_forecaster,
    run_jhu_backtest,
)
from apps.covid_forecast.train import naive_in_sample
from common.errors import UserError

from .conftest import growing_jhu

TINY = GlobalConfig(input_days=14, horizon=7, hidden_size=8, num_members=1, epochs=2)


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
    model = forecast([99.0] * 8)
    ets = np.full(8, 9999.0)
    out = blend(model, ets, (0.5, 1.0))
    assert np.allclose(out.median[:7], 999.0)  # expm1 of the mean of log1p(99), log1p(9999)
    assert np.allclose(out.median[7:], 9999.0)  # h 8.. takes the second weight
    assert (out.low < out.median).all()
    assert (out.median < out.high).all()
    assert (out.low >= 0).all()


def test_choose_weight_keeps_the_model_when_the_blend_does_not_help() -> None:
    def score(w: float, bucket: slice) -> dict[str, float]:
        return {"smape": 0.3 + w, "relmae": 0.9 + w}

    assert choose_weight(score, slice(0, 7))[0] == 0.0

    def better(w: float, bucket: slice) -> dict[str, float]:
        return {"smape": 0.3 + (w - 0.4) ** 2, "relmae": 0.9 + (w - 0.4) ** 2}

    assert choose_weight(better, slice(0, 7))[0] == pytest.approx(0.4)


def last_value(daily: pd.DataFrame, countries: list[str], horizon: int) -> dict:
    """A stand-in for the network (its own no-look-ahead test is in test_global.py)."""
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


def test_forecast_reads_the_blend_weight_from_the_saved_run(tiny_global_run: Path) -> None:
    predictor = load_global(tiny_global_run)
    assert predictor.ets_weights == (TINY.ets_weight_h1_7, TINY.ets_weight_h8_14)
    days = pd.date_range("2020-03-01", periods=60)
    daily = pd.Series(100.0 * np.exp(0.03 * np.arange(60)), index=days)
    predictor.ets_weights = (0.0, 0.0)  # the model alone
    own = predictor.forecast_daily(daily, 7).table["confirmed_num"].to_numpy()
    predictor.ets_weights = (1.0, 1.0)  # AutoETS alone
    ets = predictor.forecast_daily(daily, 7).table["confirmed_num"].to_numpy()
    assert not np.allclose(own[-7:], ets[-7:])
    assert np.allclose(own[:-7], ets[:-7])  # the actual days are the same


def test_a_bad_weight_in_the_saved_run_is_a_clear_error(tiny_global_run: Path) -> None:
    from apps.covid_forecast.global_run import ets_weights

    meta = {"ets_weights": [0.5, 7]}
    with pytest.raises(UserError, match="ets_weights"):
        ets_weights(meta, tiny_global_run)
    assert ets_weights({}, tiny_global_run) == (0.0, 0.0)  # a run from before the blend
    saved = json.loads((tiny_global_run / "model.json").read_text())["ets_weights"]
    assert saved == [TINY.ets_weight_h1_7, TINY.ets_weight_h8_14]


def test_naive_in_sample_skips_zero_days_in_mape() -> None:
    last = torch.tensor([[0.0], [10.0], [20.0]])
    y = torch.tensor([[5.0], [0.0], [10.0]])  # a zero day: MAPE would divide by 0
    figures = naive_in_sample(last, y)
    assert figures["in_sample/naive_mape"] == pytest.approx((1.0 + 1.0) / 2)
    assert figures["in_sample/naive_smape"] == pytest.approx((2.0 + 2.0 + 2 / 3) / 3)
    assert figures["in_sample/naive_mae"] == pytest.approx(25 / 3)


def test_validation_score_at_weight_zero_is_the_model_alone() -> None:
    from apps.covid_forecast.blend_validation import BUCKETS, blend_score, choose_weights
    from apps.covid_forecast.jhu_backtest import JhuBacktest
    from apps.covid_forecast.scores import score_cells

    rng = np.random.default_rng(0)
    actual = rng.uniform(10, 100, (3, 14, 2))  # (O, H, S)
    bt = JhuBacktest([], ["a", "b"], actual, np.ones((3, 2)))
    bt.median = {"global": actual * 1.3, "AutoETS": actual * 0.8, "Naive": actual * 0.5}
    alone = score_cells(bt, "global", 7)
    assert blend_score(bt, 0.0, BUCKETS["h1_7"])["relmae"] == pytest.approx(alone["relmae"])
    assert blend_score(bt, 0.0, BUCKETS["h1_7"])["smape"] == pytest.approx(alone["smape"])
    weights, _ = choose_weights(bt)
    assert 0.0 < weights[0] < 1.0  # 1.3x and 0.8x: a mix of the two beats both
