"""`evaluate`: the tutorial model's rolling-origin backtest against its baselines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.covid_forecast.config import DataConfig
from apps.covid_forecast.data import read_table
from apps.covid_forecast.extras.backtest import (
    FORECASTERS,
    evaluate,
    run_backtest,
    score_table,
)

HISTORY = np.array([[float(v), 2.0 * v] for v in range(20, 4, -1)])  # (16, 2), falling


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_baselines_forecast_every_day_and_series(name: str) -> None:
    out = FORECASTERS[name](HISTORY, 7)
    assert out.shape == (7, 2)
    assert np.isfinite(out).all()
    assert (out >= 0).all()


def test_weekly_drift_and_log_linear_follow_a_decline() -> None:
    assert (FORECASTERS["weekly_drift"](HISTORY, 3)[:, 0] < HISTORY[-1, 0]).all()
    assert FORECASTERS["log_linear"](HISTORY, 3)[-1, 0] < HISTORY[-1, 0]


def test_backtest_scores_model_and_baselines(tiny_configs: tuple, covid_csv: Path) -> None:
    data_cfg, model_cfg, train_cfg = tiny_configs
    bt = run_backtest(read_table(covid_csv), data_cfg, model_cfg, train_cfg, num_days=3, horizon=7)
    assert bt.actual.shape == (3, 7, 3)
    assert np.isnan(bt.actual[-1, 1:]).all()  # past the end of the data
    assert not np.isnan(bt.actual[:, 0]).any()
    rows = score_table(bt)
    methods = {r["method"] for r in rows if r["horizon"] == 1}
    assert methods == {"lstm", "naive", "weekly_drift", "log_linear"}
    assert all(r["horizon"] == 1 for r in rows)  # no origin has 7 known days after it


def test_evaluate_writes_backtest_json_and_png(tiny_run: Path) -> None:
    result = evaluate(tiny_run, num_days=2)
    assert (tiny_run / "backtest.png").is_file()
    assert json.loads((tiny_run / "backtest.json").read_text())["num_days"] == 2
    assert {r["series"] for r in result["rows"]} == {
        "all",
        "confirmed_num",
        "cured_num",
        "dead_num",
    }


def test_evaluate_command_on_the_newest_run(tiny_run: Path) -> None:
    runs = str(tiny_run.parent.parent)
    result = CliRunner().invoke(
        app, ["covid_forecast", "evaluate", "--days", "2", "--runs-dir", runs]
    )
    assert result.exit_code == 0, result.output
    assert "naive" in result.output


def test_bench_quick_reports_model_and_every_baseline(covid_csv: Path) -> None:
    from apps.covid_forecast.bench import run_bench

    rows = run_bench(quick=True, data_cfg=DataConfig(csv=covid_csv))
    h1 = {r["model"]: r for r in rows if r["metric"] == "h1_mape_all_series"}
    assert set(h1) == {"lstm", "naive", "weekly_drift", "log_linear"}
    assert h1["lstm"]["kind"] == "model"
    keys = ("app", "value", "train_seconds", "samples_per_second", "device", "torch", "tutorial")
    assert all(k in rows[0] for k in keys)
