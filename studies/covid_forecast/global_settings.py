"""How the global model's window weight and epochs were chosen: validation origins only.

    python -m studies.covid_forecast.global_settings            # ~7 min on 2 cores at load ~3
    python -m studies.covid_forecast.global_settings --quick    # smoke run, 1 epoch, 2 origins

The same validation set as blend_weights.py (JHU files cut at 2020-06-30, origins weekly
2020-05-06 .. 2020-06-17, the 20 countries with most cases at the cut), one member, the
model retrained at every origin, the network alone (no blend yet), beside Naive and AutoETS.
Each row changes `level_weight` (0: every window counts the same) or `epochs`; the figures
are pooled over countries and origins, as the backtest reports them.
"""

from __future__ import annotations

import dataclasses
import sys

from apps.covid_forecast.jhu.config import GlobalConfig
from apps.covid_forecast.jhu.data import country_matrix, jhu_dir_default, top_countries
from apps.covid_forecast.jhu.extras.backtest import (
    MODEL_METHOD,
    baseline_forecaster,
    global_forecaster,
    run_jhu_backtest,
)
from apps.covid_forecast.jhu.extras.report import NAIVE, score_rows
from apps.covid_forecast.jhu.predict import ETS
from studies.covid_forecast.blend_weights import CUT, ORIGINS

ROWS = {  # name -> (level_weight, epochs)
    "none, 10 epochs": (0.0, 10),
    "none, 30 epochs": (0.0, 30),
    "exp(0.5 x level), 20 epochs": (0.5, 20),
    "exp(0.75 x level), 20 epochs": (0.75, 20),
    "exp(1.0 x level), 20 epochs": (1.0, 20),
}


def validation_rows(quick: bool = False) -> list[dict[str, object]]:
    """One row per setting (and the baselines once): sMAPE, relMAE, coverage at h 1..7, 1..14."""
    cumulative = country_matrix(jhu_dir_default(), corrected=False)
    cumulative = cumulative[cumulative.index <= CUT]
    countries = top_countries(cumulative, 20)
    origins = list(ORIGINS[-2:] if quick else ORIGINS)
    rows = []
    for index, (name, (level_weight, epochs)) in enumerate(ROWS.items()):
        cfg = GlobalConfig(num_members=1, refit_every=1, level_weight=level_weight, epochs=epochs)
        cfg = dataclasses.replace(cfg, epochs=1) if quick else cfg
        forecasters = [global_forecaster(cfg), baseline_forecaster((NAIVE, ETS))]
        bt = run_jhu_backtest(cumulative, countries, forecasters, 14, origins)
        for row in score_rows(bt):
            wanted = index == 0 or row["method"] == MODEL_METHOD  # the baselines once
            if row["country"] == "all" and wanted:
                method = name if row["method"] == MODEL_METHOD else row["method"]
                rows.append(row | {"method": method})
    return rows


def main() -> None:
    from common.console import console, dataframe_table

    rows = validation_rows(quick="--quick" in sys.argv)
    shown = [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
    console.print(dataframe_table(shown, title="Validation origins 2020-05-06 .. 2020-06-17"))


if __name__ == "__main__":
    main()
