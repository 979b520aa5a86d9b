"""Front-end: the benchmark, both models' honest backtests on REFAPPS_DATA beside every baseline.

    refapps bench covid_forecast --json

Tutorial model (China table): 1-day-ahead over the last 10 days (all three series pooled,
and new confirmed alone), and 7 days ahead from the last origin with a full week left
(the backtest of extras/backtest.py). Global model, when REFAPPS_DATA/covid/jhu holds the
JHU files: jhu/bench.py, origins every 7 days over the last 26 weeks, 20 countries.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from common.device import pick_device

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import load_series
from .train import train


def run_bench(quick: bool = False, data_cfg: DataConfig | None = None) -> list[dict[str, Any]]:
    rows = tutorial_rows(quick, data_cfg or DataConfig())
    from .jhu.data import JHU_FILES, jhu_dir_default

    if (jhu_dir_default() / JHU_FILES["confirmed_num"]).is_file():
        from .jhu.bench import jhu_rows

        rows += jhu_rows(quick)
    return rows


def tutorial_rows(quick: bool, data_cfg: DataConfig) -> list[dict[str, Any]]:
    from .extras.backtest import MODEL_METHOD, run_backtest

    model_cfg = ModelConfig(num_members=2) if quick else ModelConfig()
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=3 if quick else TRAIN_DEFAULTS.epochs)
    with tempfile.TemporaryDirectory() as runs:
        cfg = dataclasses.replace(train_cfg, runs_dir=Path(runs))
        result = train(data_cfg, model_cfg, cfg, progress=False)
    num_days = 3 if quick else 10
    started = time.perf_counter()
    bt = run_backtest(load_series(data_cfg), data_cfg, model_cfg, train_cfg, num_days)
    backtest_seconds = time.perf_counter() - started
    num_windows = len(load_series(data_cfg)) - 1 - data_cfg.window
    base = {
        "app": APP,
        "train_seconds": round(result.train_seconds, 2),
        "samples_per_second": round(num_windows * train_cfg.epochs / result.train_seconds, 1),
        "backtest_seconds": round(backtest_seconds, 2),
        "device": str(pick_device(train_cfg.device)),
        "torch": torch.__version__,
        "seeds": model_cfg.num_members,
    }
    in_sample = {"metric": "in_sample_mape", "value": round(result.metrics["in_sample/mape"], 4)}
    tutorial = {"model": MODEL_METHOD, "kind": "model", "tutorial": 0.49}  # the tutorial's MAPE
    return [*backtest_rows(bt, base), base | tutorial | in_sample]


def backtest_rows(bt: Any, base: dict[str, Any]) -> list[dict[str, Any]]:
    """MAPE (and sMAPE, MAE) of every method at 1 day and 7 days ahead."""
    from .extras.backtest import MODEL_METHOD, horizon_cells, score

    last_full_week = max(0, len(bt.origins) - 7)
    cases = [  # (metric name, horizon, series index or None for all, origin)
        ("h1_mape_all_series", 1, None, None),
        ("h1_mape_confirmed", 1, 0, None),
        ("h7_mape_all_series_last_week", 7, None, last_full_week),
    ]
    rows = []
    for metric, horizon, series, origin in cases:
        days, origins = horizon_cells(bt, horizon, origin)
        pick = slice(None) if series is None else series
        target = bt.actual[origins, days][..., pick]
        for method, forecast in bt.forecasts.items():
            figures = score(forecast[origins, days][..., pick], target)
            kind = "model" if method == MODEL_METHOD else "baseline"
            rows.append(
                base
                | {"model": method, "kind": kind, "metric": metric, "tutorial": None}
                | {"value": round(figures["mape"], 4), "smape": round(figures["smape"], 4)}
                | {"mae": round(figures["mae"], 2)}
            )
    return rows
