"""Front-end: Altair charts for the page, the forecast band as a shaded area and backtest scores.

    streamlit run apps/covid_forecast/demo.py

The median line starts at the last actual day, so actual and forecast join without a gap;
tooltips are rounded and dates read "Mar 03, 2020".
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from .forecasts import ForecastResult

DATE_FORMAT = "%b %d, %Y"


def forecast_frame(result: ForecastResult, series: str) -> pd.DataFrame:
    """Long frame: date, value, low, high, kind; the forecast repeats the last actual day."""
    table = result.table
    actual = table[table["kind"] == "actual"]
    future = table[table["kind"] == "forecast"]
    frame = pd.DataFrame(
        {
            "date": table["date"],
            "value": table[series].round(1),
            "low": table[f"{series}_low"].round(1) if f"{series}_low" in table else None,
            "high": table[f"{series}_high"].round(1) if f"{series}_high" in table else None,
            "kind": table["kind"],
        }
    )
    if len(actual) and len(future):  # join the two lines: the forecast starts from today
        joint = frame.loc[[actual.index[-1]]].assign(kind="forecast")
        joint["low"] = joint["high"] = joint["value"]
        frame = pd.concat([frame, joint]).sort_values(["kind", "date"])
    return frame


def forecast_chart(result: ForecastResult, series: str, log_scale: bool = False) -> alt.Chart:
    """Actual line, forecast median line, P10-P90 (or ensemble) band as a shaded area."""
    frame = forecast_frame(result, series)
    scale = alt.Scale(type="symlog") if log_scale else alt.Scale(zero=True)
    x = alt.X("date:T", title=None, axis=alt.Axis(format=DATE_FORMAT))
    tooltip = [
        alt.Tooltip("date:T", format=DATE_FORMAT),
        alt.Tooltip("value:Q", format=",.0f", title=series),
        alt.Tooltip("low:Q", format=",.0f"),
        alt.Tooltip("high:Q", format=",.0f"),
    ]
    future = frame[frame["kind"] == "forecast"]
    band = (
        alt.Chart(future)
        .mark_area(opacity=0.25, color="#4c78a8")
        .encode(x=x, y=alt.Y("low:Q", scale=scale, title=f"new {series} per day"), y2="high:Q")
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=x,
            y=alt.Y("value:Q", scale=scale),
            color=alt.Color("kind:N", scale=alt.Scale(range=["#222222", "#4c78a8"]), title=None),
            tooltip=tooltip,
        )
    )
    return (band + lines).properties(height=340)


def backtest_chart(rows: list[dict[str, Any]], best: str | None, metric: str) -> alt.Chart:
    """One bar per method, the best one marked; a dashed rule at Naive's 1.0 for relMAE."""
    frame = pd.DataFrame(rows)
    frame["best"] = frame["method"].eq(best).map({True: "best", False: ""})
    frame[metric] = frame[metric].astype(float).round(3)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{metric}:Q"),
            y=alt.Y("method:N", sort="x", title=None),
            color=alt.condition(
                alt.datum.best == "best", alt.value("#f58518"), alt.value("#4c78a8")
            ),
            tooltip=["method", alt.Tooltip(f"{metric}:Q", format=".3f"), "best"],
        )
    )
    if metric != "relmae":
        return bars.properties(height=200)
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (bars + rule).properties(height=200)
