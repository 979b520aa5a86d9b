"""Front-end: the Streamlit page's global-model part, any JHU country, a method, its backtest.

    streamlit run apps/covid_forecast/demo.py     # with a `train --model global` run

Called by ../demo.py (inside its `page_errors`); every text about the run comes from its
config and model.json. The method choice and the country's backtest come from extras/,
imported only when a backtest exists or another method than the model is chosen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from apps.covid_forecast.charts import backtest_chart, forecast_chart
from apps.covid_forecast.jhu.commands import forecast_command
from apps.covid_forecast.jhu.config import APP, BACKTEST_FILE
from apps.covid_forecast.jhu.data import SERIES, country_matrix, resolve_country
from apps.covid_forecast.jhu.predict import load_global
from common.errors import UserError

METHOD_LABELS = {"model": "global model", "baseline": "best baseline", "auto": "auto (winner)"}


@st.cache_data(show_spinner=False)
def jhu_countries(jhu_dir: str) -> list[str]:
    return sorted(country_matrix(Path(jhu_dir), corrected=False).columns)


def run_text(meta: dict[str, Any]) -> str:
    args = meta["model_args"]
    return (
        f"One network trained on the daily new confirmed cases of the {len(meta['countries'])} "
        f"JHU countries with the most cases, up to {meta['last_day']}. It reads "
        f"{args['input_days']} days, scales each window by its own level, and forecasts "
        f"{args['horizon']} days directly as P10 / P50 / P90 ({args['num_members']} members)."
    )


def cached_forecast(run_dir: Path, country: str, method: str, days: int) -> tuple[Any, list]:
    """Results are kept in session state, so other widgets do not recompute or lose them."""
    store = st.session_state.setdefault("covid_forecasts", {})
    key = (str(run_dir), country, method, days)
    if key not in store:
        store[key] = forecast_command(run_dir, country, None, days, method)
    return store[key]


def show_global(run_dir: Path) -> None:
    predictor = load_global(run_dir)
    meta = predictor.meta
    st.write(run_text(meta))
    countries = jhu_countries(meta["jhu_dir"])
    default = countries.index("Italy") if "Italy" in countries else 0
    left, middle, right = st.columns([2, 2, 1])
    country = left.selectbox("Country (JHU)", countries, index=default, key="country")
    method = middle.radio(
        "Method", list(METHOD_LABELS), format_func=METHOD_LABELS.get, key="method", horizontal=True
    )
    days = right.slider("Days ahead", 1, predictor.horizon, predictor.horizon, key="days")
    log_scale = st.checkbox("Log scale", key="log")
    try:
        result, lines = cached_forecast(run_dir, country, method, days)
    except UserError as err:
        st.error(str(err))
        st.stop()
    for line in lines:
        (st.warning if "LOST" in line else st.caption)(line)
    st.altair_chart(forecast_chart(result, SERIES, log_scale), use_container_width=True)
    zero = result.zero_date.date().isoformat() if result.zero_date is not None else "not within"
    st.metric(f"First day with no new confirmed cases in {country}", zero)
    st.download_button("Download forecast", result.table.to_csv(index=False), "forecast.csv")
    show_country_backtest(run_dir, resolve_country(country, countries))


def show_country_backtest(run_dir: Path, country: str) -> None:
    st.subheader(f"Backtest: {country}")
    if not (run_dir / BACKTEST_FILE).is_file():
        st.info(f"No backtest in this run yet. Run:\n\n```\nrefapps {APP} backtest\n```")
        return
    from apps.covid_forecast.jhu.extras.methods import verdict
    from apps.covid_forecast.jhu.extras.report import read_backtest

    report = read_backtest(run_dir)
    judged = verdict(report, country)
    if judged.best is None:
        command = f'refapps {APP} backtest --country "{country}"'
        st.info(f"{country} is not in this run's backtest. Run:\n\n```\n{command}\n```")
        return
    rows = [r for r in report["rows"] if r["country"] == country and r["horizon"] == "1..7"]
    st.caption(
        f"Origins every 7 days, {report['period']}, h = 1..7; every method saw only the days "
        f"before each origin. Best (lowest relMAE): {judged.best}."
    )
    st.altair_chart(backtest_chart(rows, judged.best, "relmae"), use_container_width=True)
    shown = [
        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k != "country"}
        | {"best": "★" if r["method"] == judged.best else ""}
        for r in rows
    ]
    st.dataframe(shown, key="country_backtest", hide_index=True)
