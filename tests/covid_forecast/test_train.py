from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch

from apps.covid_forecast.backtest import evaluate, run_backtest, score_table
from apps.covid_forecast.config import DataConfig, ModelConfig
from apps.covid_forecast.data import daily_increments, make_loaders, read_table
from apps.covid_forecast.train import fit_ensemble, train


def test_train_writes_every_run_file(tiny_run: Path) -> None:
    for name in (
        "config.json",
        "model.json",
        "model.safetensors",
        "last.pt",
        "history.csv",
        "metrics.json",
        "scaler.json",
        "curves.png",
    ):
        assert (tiny_run / name).is_file(), name
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert {
        "in_sample/mape",
        "in_sample/smape",
        "in_sample/mae",
        "in_sample/naive_mape",
        "in_sample/naive_smape",
    } <= set(metrics)


def test_loop_styles_give_the_same_weights(tiny_configs: tuple, covid_csv: Path) -> None:
    data_cfg, model_cfg, train_cfg = tiny_configs
    loaders = make_loaders(daily_increments(read_table(covid_csv)), data_cfg.window)
    weights = []
    for loop in ("class", "script"):
        model, _, _ = fit_ensemble(loaders, model_cfg, dataclasses.replace(train_cfg, loop=loop))
        weights.append(model.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_backtest_scores_model_and_baselines(tiny_configs: tuple, covid_csv: Path) -> None:
    data_cfg, model_cfg, train_cfg = tiny_configs
    bt = run_backtest(read_table(covid_csv), data_cfg, model_cfg, train_cfg, num_days=3, horizon=7)
    assert bt.actual.shape == (3, 7, 3)
    assert np_isnan_tail(bt.actual)
    rows = score_table(bt)
    methods = {r["method"] for r in rows if r["horizon"] == 1}
    assert methods == {"lstm", "naive", "weekly_drift", "log_linear"}
    assert all(r["horizon"] == 1 for r in rows)  # no origin has 7 known days after it


def np_isnan_tail(actual) -> bool:
    import numpy as np

    return bool(np.isnan(actual[-1, 1:]).all() and not np.isnan(actual[:, 0]).any())


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


def test_resume_continues_the_epoch_count(tiny_configs: tuple) -> None:
    data_cfg, model_cfg, train_cfg = tiny_configs
    first = train(data_cfg, model_cfg, dataclasses.replace(train_cfg, epochs=2), progress=False)
    resumed = train(
        DataConfig(),
        ModelConfig(),
        dataclasses.replace(train_cfg, epochs=4, resume=first.run_dir),
        progress=False,
    )
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]


def test_bench_quick_reports_model_and_every_baseline(covid_csv: Path) -> None:
    from apps.covid_forecast.bench import run_bench

    rows = run_bench(quick=True, data_cfg=DataConfig(csv=covid_csv))
    h1 = {r["model"]: r for r in rows if r["metric"] == "h1_mape_all_series"}
    assert set(h1) == {"lstm", "naive", "weekly_drift", "log_linear"}
    assert h1["lstm"]["kind"] == "model"
    assert all(
        k in rows[0]
        for k in (
            "app",
            "value",
            "train_seconds",
            "samples_per_second",
            "device",
            "torch",
            "tutorial",
        )
    )
