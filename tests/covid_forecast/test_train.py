from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from apps.covid_forecast.config import DataConfig, ModelConfig
from apps.covid_forecast.data import Scaler, daily_increments, make_loaders, read_table
from apps.covid_forecast.train import fit_ensemble, naive_in_sample, train
from common.training.styles import loop_named


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
    for name in ("class", "script"):
        cfg = dataclasses.replace(train_cfg, loop=name)
        model, _, _ = fit_ensemble(loaders, model_cfg, cfg, loop=loop_named(name))
        weights.append(model.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


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


def test_naive_in_sample_skips_zero_days_in_mape() -> None:
    last = torch.tensor([[0.0], [10.0], [20.0]])
    y = torch.tensor([[5.0], [0.0], [10.0]])  # a zero day: MAPE would divide by 0
    figures = naive_in_sample(last, y)
    assert figures["in_sample/naive_mape"] == pytest.approx((1.0 + 1.0) / 2)
    assert figures["in_sample/naive_smape"] == pytest.approx((2.0 + 2.0 + 2 / 3) / 3)
    assert figures["in_sample/naive_mae"] == pytest.approx(25 / 3)


def test_train_takes_counts_the_caller_read(tiny_configs: tuple, covid_csv: Path) -> None:
    data_cfg, model_cfg, train_cfg = tiny_configs
    shorter = read_table(covid_csv).iloc[:20]  # not what data_cfg's file holds
    result = train(data_cfg, model_cfg, train_cfg, progress=False, cumulative=shorter)
    saved = json.loads((result.run_dir / "scaler.json").read_text())
    assert saved == Scaler.fit(daily_increments(shorter).to_numpy()).to_json()
