"""`refapps covid_forecast backtest`: score it (sMAPE, relMAE, MASE, band coverage) and keep it.

    refapps covid_forecast backtest --json

Pooled over every (origin, day, country) cell of the chosen horizons, and per country.
sMAPE is 2|f - y| / (|f| + |y|) (0 when both are 0; scores.py); relMAE is the method's summed
absolute error over Naive's on the same cells; MASE divides each error by the country's mean
weekly change |y_t - y_(t-7)| in the history before the origin; coverage is the share of
actual values inside the P10-P90 band. The report is saved in the run as jhu_backtest.json.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from common.files import read_json, write_json

from ...scores import smape
from ..config import BACKTEST_FILE, GlobalConfig
from .backtest import MODEL_ALONE, MODEL_METHOD, JhuBacktest, add_blend

NAIVE = "Naive"


def score_cells(bt: JhuBacktest, method: str, horizon: int, country: int | None = None) -> dict:
    """The four metrics of `method` over days 1..horizon (and one country, or all)."""
    pick = slice(None) if country is None else slice(country, country + 1)
    actual = bt.actual[:, :horizon, pick]
    known = ~np.isnan(actual)
    forecast = bt.median[method][:, :horizon, pick][known]
    target = actual[known]
    naive_error = np.abs(bt.median[NAIVE][:, :horizon, pick][known] - target).sum()
    scale = np.broadcast_to(bt.scale[:, None, pick], actual.shape)[known]
    errors = np.abs(forecast - target)
    figures = {
        "smape": smape(forecast, target),
        "relmae": float(errors.sum() / naive_error) if naive_error > 0 else float("nan"),
        "mase": float((errors / scale).mean()),
        "coverage": None,
    }
    if method in bt.low:
        low, high = (
            bt.low[method][:, :horizon, pick][known],
            bt.high[method][:, :horizon, pick][known],
        )
        figures["coverage"] = float(((low <= target) & (target <= high)).mean())
    return figures


def score_rows(bt: JhuBacktest, horizons: tuple[int, ...] = (7, 14)) -> list[dict[str, Any]]:
    """One row per (country or 'all', horizon, method)."""
    rows = []
    for horizon in horizons:
        for index, name in [(None, "all"), *enumerate(bt.countries)]:
            for method in bt.median:
                figures = score_cells(bt, method, horizon, index)
                rows.append(
                    {"country": name, "horizon": f"1..{horizon}", "method": method} | figures
                )
    return rows


def best_methods(
    rows: list[dict[str, Any]], horizon: str = "1..7", exclude: tuple[str, ...] = ()
) -> dict[str, str]:
    """Country (and 'all') -> the method with the lowest relMAE over `horizon`."""
    best: dict[str, tuple[float, str]] = {}
    for row in rows:
        if row["horizon"] != horizon or row["method"] in exclude:
            continue
        if not np.isfinite(row["relmae"]):
            continue
        current = best.get(row["country"])
        if current is None or row["relmae"] < current[0]:
            best[row["country"]] = (row["relmae"], row["method"])
    return {country: method for country, (_, method) in best.items()}


def backtest_report(
    jhu_dir: Path,
    cfg: GlobalConfig,
    num_countries: int = 20,
    extra: tuple[str, ...] = (),
    progress: bool = False,
    device: Any = None,
) -> dict[str, Any]:
    """The full JHU backtest (model and every baseline) as the JSON a run keeps."""
    from common.progress import TrainingProgress

    from ..data import country_matrix, resolve_country, top_countries
    from .backtest import backtest_origins, baseline_forecaster, global_forecaster, run_jhu_backtest

    cumulative = country_matrix(jhu_dir, corrected=False)
    countries = top_countries(cumulative, num_countries)
    known = list(cumulative.columns)
    countries += [c for c in (resolve_country(e, known) for e in extra) if c not in countries]
    started = time.perf_counter()
    origins = backtest_origins(cumulative.index, cfg.horizon)
    forecasters = [global_forecaster(cfg, device), baseline_forecaster()]
    with TrainingProgress(enabled=progress) as bar:
        bar.start("JHU backtest: origins", len(origins))
        bt = run_jhu_backtest(
            cumulative, countries, forecasters, cfg.horizon, origins, lambda *_: bar.advance()
        )
    add_blend(bt, (cfg.ets_weight_h1_7, cfg.ets_weight_h8_14))  # AutoETS fits reused
    rows = score_rows(bt)
    return {
        "period": f"{bt.origins[0].date()}..{bt.origins[-1].date()}",
        "origins": [str(o.date()) for o in bt.origins],
        "countries": countries,
        "num_countries": len(countries),
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
        "best": best_methods(rows, exclude=(MODEL_ALONE,)),
        "best_baseline": best_methods(rows, exclude=(MODEL_METHOD, MODEL_ALONE)),
        "model_config": asdict(cfg),
    }


def read_backtest(run_dir: Path) -> dict[str, Any] | None:
    """The run's saved backtest report, or None before `backtest` has run."""
    path = Path(run_dir) / BACKTEST_FILE
    return read_json(path, "JHU backtest") if path.is_file() else None


def write_backtest(run_dir: Path, result: dict[str, Any]) -> Path:
    return write_json(Path(run_dir) / BACKTEST_FILE, result)
