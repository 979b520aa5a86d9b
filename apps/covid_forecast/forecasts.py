"""The forecast both models hand back: a table of actual and forecast days, and its zero day.

    refapps covid_forecast forecast --days 60     # forecast.csv and forecast.png

`table` has a row per day: `date`, `kind` (actual or forecast), then per series its value
and, on forecast days, the band `<series>_low` and `<series>_high` (the tutorial ensemble's
min-max over members, the global model's P10-P90).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class ForecastResult:
    table: pd.DataFrame  # date, kind (actual / forecast), then per series: value, low, high
    series: list[str]
    zero_date: pd.Timestamp | None  # first forecast day with no new cases of the first series


def first_zero_date(dates: pd.DatetimeIndex, values: np.ndarray) -> pd.Timestamp | None:
    """The first date whose (rounded) daily count is zero, or None when it never is."""
    hits = np.flatnonzero(np.round(values) <= 0)
    return dates[hits[0]] if len(hits) else None


def plot_forecast(result: ForecastResult) -> Figure:
    """Per series: actual daily counts, the forecast and its band."""
    import matplotlib.pyplot as plt

    series = result.series
    fig, axes = plt.subplots(1, len(series), figsize=(4.5 * len(series), 3.4), squeeze=False)
    actual = result.table[result.table["kind"] == "actual"]
    future = result.table[result.table["kind"] == "forecast"]
    for ax, name in zip(axes[0], series, strict=True):
        ax.plot(actual["date"], actual[name], "k-", label="actual")
        ax.plot(future["date"], future[name], "-", color="tab:blue", label="forecast")
        ax.fill_between(future["date"], future[f"{name}_low"], future[f"{name}_high"], alpha=0.25)
        ax.set_title(f"new {name} per day")
        ax.tick_params(axis="x", rotation=45)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
