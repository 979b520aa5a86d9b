"""A copy of the tiny global run with a hand-written backtest for Italy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def backtested_run(tiny_global_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from apps.covid_forecast.jhu.extras.report import write_backtest

    run_dir = tmp_path_factory.mktemp("backtested") / "covid_forecast" / tiny_global_run.name
    shutil.copytree(tiny_global_run, run_dir)
    rows = [
        {"country": "Italy", "horizon": "1..7", "method": m, "smape": s, "relmae": r}
        | {"mase": 1.0, "coverage": None}
        for m, s, r in [("global", 0.2, 0.8), ("Naive", 0.3, 1.0), ("AutoETS", 0.25, 0.9)]
    ]
    best = {"Italy": "global"}
    report = {"period": "2020-03-01..2020-03-15", "rows": rows, "best": best}
    write_backtest(run_dir, report | {"best_baseline": {"Italy": "Naive"}, "origins": []})
    return run_dir
