"""How the AutoETS blend weights were chosen: validation origins before the backtest period only.

    python -m studies.covid_forecast.blend_weights     # 1-12 min on 2 cores, load-dependent

The JHU files cut at 2020-06-30 (nothing later is read), origins weekly 2020-05-06 ..
2020-06-17, the 20 countries with most cases at the cut, the default global model (refitted
as in the backtest) beside Naive and AutoETS. For each horizon bucket (h 1..7, h 8..14) the
weight on the grid 0, 0.1, .., 1 with the lowest sMAPE/sMAPE(w=0) + relMAE/relMAE(w=0)
wins (`choose_weight`); ties go to the smaller weight. The backtest period (2020-07-01 ..)
is never looked at. The result became `GlobalConfig.ets_weight_h1_7` / `ets_weight_h8_14`;
the write-up is README.md beside this file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from apps.covid_forecast.jhu.baselines import MethodForecast
from apps.covid_forecast.jhu.config import GlobalConfig
from apps.covid_forecast.jhu.extras.backtest import MODEL_METHOD, JhuBacktest
from apps.covid_forecast.jhu.extras.report import NAIVE
from apps.covid_forecast.jhu.predict import ETS, blend
from apps.covid_forecast.scores import smape

CUT = pd.Timestamp("2020-06-30")
ORIGINS = tuple(pd.date_range("2020-05-06", "2020-06-17", freq="7D"))
BUCKETS = {"h1_7": slice(0, 7), "h8_14": slice(7, 14)}
WEIGHT_GRID = tuple(round(0.1 * k, 1) for k in range(11))


def validation_backtest(jhu_dir: Path, cfg: GlobalConfig, num_countries: int = 20) -> JhuBacktest:
    """The global model, Naive and AutoETS at the validation origins, on days <= CUT only."""
    from apps.covid_forecast.jhu.data import country_matrix, top_countries
    from apps.covid_forecast.jhu.extras.backtest import (
        baseline_forecaster,
        global_forecaster,
        run_jhu_backtest,
    )

    cumulative = country_matrix(jhu_dir, corrected=False)
    cumulative = cumulative[cumulative.index <= CUT]
    countries = top_countries(cumulative, num_countries)
    forecasters = [global_forecaster(cfg), baseline_forecaster((NAIVE, ETS))]
    return run_jhu_backtest(cumulative, countries, forecasters, 14, list(ORIGINS))


def blend_score(bt: JhuBacktest, w: float, bucket: slice) -> dict[str, float]:
    """sMAPE and relMAE of the blend with weight `w`, pooled over the `bucket` days."""
    model = MethodForecast(np.moveaxis(bt.median[MODEL_METHOD], 1, 0), None, None)  # (H, O, S)
    mixed = blend(model, np.moveaxis(bt.median[ETS], 1, 0), (w, w)).median
    forecast = np.moveaxis(mixed, 0, 1)[:, bucket]
    actual = bt.actual[:, bucket]
    known = ~np.isnan(actual)
    naive_error = np.abs(bt.median[NAIVE][:, bucket][known] - actual[known]).sum()
    error = np.abs(forecast[known] - actual[known]).sum()
    return {"smape": smape(forecast[known], actual[known]), "relmae": float(error / naive_error)}


def choose_weight(
    score: Callable[[float, slice], dict[str, float]],
    bucket: slice,
    grid: tuple[float, ...] = WEIGHT_GRID,
) -> tuple[float, list[dict[str, float]]]:
    """The grid weight with the lowest sMAPE/sMAPE(w=0) + relMAE/relMAE(w=0) on `bucket` days.

    `score(w, bucket)` returns {"smape": ..., "relmae": ...} of the blend on validation
    origins. Ties go to the smaller weight (the model alone wins a tie).
    """
    table = [{"w": w} | score(w, bucket) for w in grid]
    first = table[0]
    for row in table:
        row["objective"] = row["smape"] / first["smape"] + row["relmae"] / first["relmae"]
    best = min(table, key=lambda r: (round(r["objective"], 6), r["w"]))
    return best["w"], table


def choose_weights(bt: JhuBacktest) -> tuple[tuple[float, float], dict[str, Any]]:
    """(w for h 1..7, w for h 8..14) and the validation table of each bucket."""
    chosen, tables = [], {}
    for name, bucket in BUCKETS.items():
        w, tables[name] = choose_weight(lambda w, b: blend_score(bt, w, b), bucket)
        chosen.append(w)
    return (chosen[0], chosen[1]), tables


def main() -> None:
    from apps.covid_forecast.jhu.data import jhu_dir_default
    from common.console import console, dataframe_table

    bt = validation_backtest(jhu_dir_default(), GlobalConfig())
    weights, tables = choose_weights(bt)
    for name, table in tables.items():
        rows = [{k: round(v, 4) for k, v in row.items()} for row in table]
        console.print(dataframe_table(rows, title=f"Validation, {name}"))
    console.print(f"Chosen weights (h 1..7, h 8..14): {weights}")


if __name__ == "__main__":
    main()
