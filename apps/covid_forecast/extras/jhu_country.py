"""--country NAME (with --jhu-dir, --province): the tutorial model on one JHU country.

    refapps covid_forecast train --country Italy
    refapps covid_forecast forecast --country "South Korea" --days 30

Reads the country's cumulative confirmed, recovered and death counts with the JHU reader
of the global model's path (jhu/data.py: provinces summed, downward corrections spread
back, a series that stopped being reported left out with a note) and hands them to the
tutorial's `train`, `forecast` and `evaluate` in place of the table.
"""

from __future__ import annotations

from common.errors import UserError

from ..config import DataConfig
from ..data import check_length
from ..jhu.data import JhuSeries, read_country


def read_country_counts(cfg: DataConfig, series: list[str] | None = None) -> JhuSeries:
    """`cfg.country`'s counts; `series`: what a trained model forecasts (all, or an error)."""
    if cfg.country is None or cfg.jhu_dir is None:
        raise UserError("--jhu-dir and --province need --country (e.g. --country Italy).")
    found = read_country(cfg.jhu_dir, cfg.country, cfg.province)
    check_length(found.cumulative, cfg.window)
    missing = [name for name in series or [] if name not in found.cumulative]
    if missing:  # say which file or which stop left the series out, not just its name
        raise UserError(
            f"This model forecasts {', '.join(series or [])}; the JHU data in {cfg.jhu_dir} "
            f"gives no {', '.join(missing)} ({' '.join(found.notes)})"
        )
    return found
