"""Front-end: the benchmark rows of the global model, its JHU backtest beside every baseline.

    refapps bench covid_forecast --json

Model rows: `global` (the default: the network blended with AutoETS, predict.py) and
`global_only` (the network alone). Metrics `jhu_h1_7_smape`, `jhu_h1_7_relmae`,
`jhu_h1_14_smape`, `jhu_h1_14_relmae` and `jhu_band_coverage` (P10-P90, h = 1..14), each
row with the period and the country count (extras/backtest.py and extras/report.py).
The period follows the data: a longer JHU file measures its own last 26 weeks.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import torch

from common.device import pick_device

from .config import APP, GlobalConfig
from .data import country_matrix, daily_from_cumulative, jhu_dir_default, top_countries
from .train import fit_global


def jhu_rows(quick: bool = False, cfg: GlobalConfig | None = None) -> list[dict[str, Any]]:
    from .extras.backtest import MODEL_ALONE, MODEL_METHOD
    from .extras.report import backtest_report

    cfg = cfg or GlobalConfig()
    if quick:
        cfg = dataclasses.replace(cfg, epochs=2, num_members=1)
    device = pick_device("auto")
    cumulative = country_matrix(jhu_dir_default(), corrected=False)
    daily = daily_from_cumulative(cumulative)[top_countries(cumulative, cfg.num_countries)]
    started = time.perf_counter()
    fit_global(daily, cfg, device=device)
    train_seconds = time.perf_counter() - started
    report = backtest_report(jhu_dir_default(), cfg, 3 if quick else 20, device=device)
    base = {
        "app": APP,
        "period": report["period"],
        "num_origins": len(report["origins"]),
        "num_countries": report["num_countries"],
        "backtest_seconds": report["seconds"],
        "device": str(device),
        "torch": torch.__version__,
        "tutorial": None,
    }
    rows = []
    for row in (r for r in report["rows"] if r["country"] == "all"):
        method, horizon = row["method"], row["horizon"].replace("..", "_")
        kind = "model" if method in (MODEL_METHOD, MODEL_ALONE) else "baseline"
        extra = {"train_seconds": round(train_seconds, 1)} if kind == "model" else {}
        for name in ("smape", "relmae"):
            metric = f"jhu_h{horizon}_{name}"
            rows.append(base | extra | {"model": method, "kind": kind, "metric": metric})
            rows[-1]["value"] = round(row[name], 4)
        if horizon == "1_14" and row["coverage"] is not None:
            coverage = {"metric": "jhu_band_coverage", "value": round(row["coverage"], 4)}
            rows.append(base | extra | {"model": method, "kind": kind} | coverage)
    return rows
