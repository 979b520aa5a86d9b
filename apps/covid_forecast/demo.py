"""Front-end: the Streamlit page for COVID forecasts (either model kind).

    streamlit run apps/covid_forecast/demo.py     # or: refapps demo

With a global run (`train --model global`): any JHU country, a method (model, best baseline
or the backtest's winner), the band as a shaded area, and the country's own backtest
(jhu/demo.py). With a tutorial run: the run's table (or an uploaded one), a series, and the
ensemble's band. Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`). The whole page
runs inside `page_errors`, so it is guarded when run alone, not only inside the hub.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from apps.covid_forecast.charts import backtest_chart, forecast_chart
from apps.covid_forecast.commands import read_counts
from apps.covid_forecast.config import APP, DataConfig
from apps.covid_forecast.data import read_table
from apps.covid_forecast.forecasts import first_zero_date
from apps.covid_forecast.jhu.predict import is_global_run
from apps.covid_forecast.predict import Predictor, load_predictor
from common.errors import UserError
from common.files import read_json
from common.pages import find_run_or_stop, page_errors, show_run_summary, upload_too_large
from common.runs import read_config, restore_config


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


def data_text(data: dict) -> str:
    if data.get("country"):
        return f"JHU {data['country']}" + (f" ({data['province']})" if data.get("province") else "")
    return Path(data["csv"]).name if data.get("csv") else "the tutorial's China table"


def show_tutorial(run_dir: Path) -> None:
    config = read_config(run_dir)
    predictor = cached_predictor(str(run_dir))
    st.write(
        f"The tutorial's model: {config['model']['num_members']} small LSTMs read "
        f"{predictor.window}-day windows of daily new counts from {data_text(config['data'])} "
        "and forecast the next day, fed back on itself. The band spans the members."
    )
    uploaded = st.file_uploader(
        "Your own cumulative counts: a CSV with a date column and count columns (20 MB at most)",
        type=["csv", "tsv"],
        key="upload",
    )
    try:
        if uploaded is not None and not upload_too_large(uploaded):
            cumulative, source = read_table(uploaded), uploaded.name
        else:
            data_cfg = restore_config(DataConfig, config["data"])
            cumulative, source = read_counts(data_cfg, predictor.series)[0], None
        left, middle, right = st.columns(3)
        series = left.selectbox("Series", predictor.series, key="series")
        days = middle.slider("Days ahead", 1, 120, 60, key="days")
        members = right.slider(
            "Ensemble members", 1, len(predictor.model.members), 5, key="members"
        )
        result = predictor.forecast(cumulative, days, members=members)
    except UserError as err:
        st.error(str(err))
        st.stop()
    log_scale = st.checkbox("Log scale", key="log")
    st.altair_chart(forecast_chart(result, series, log_scale), use_container_width=True)
    future = result.table[result.table["kind"] == "forecast"]
    zero = first_zero_date(pd.DatetimeIndex(future["date"]), future[series].to_numpy())
    label = f"First day with no new {series}" + (f" ({source})" if source else "")
    st.metric(label, zero.date().isoformat() if zero is not None else "not within the horizon")
    st.download_button("Download forecast", result.table.to_csv(index=False), "forecast.csv")
    show_tutorial_backtest(run_dir, series)


def show_tutorial_backtest(run_dir: Path, series: str) -> None:
    st.subheader(f"Backtest: {series} (retrained at every origin, never seeing its target)")
    path = run_dir / "backtest.json"
    if not path.is_file():
        st.info(f"No backtest yet. Run:\n\n```\nrefapps {APP} evaluate\n```")
        return
    rows = [r for r in read_json(path, "backtest.json")["rows"] if r["series"] == series]
    one_day = [r for r in rows if r["horizon"] == 1]
    best = min(one_day, key=lambda r: r["mape"])["method"] if one_day else None
    st.caption(f"1 day ahead; best (lowest MAPE): {best}.")
    if one_day:
        st.altair_chart(backtest_chart(one_day, best, "mape"), use_container_width=True)
    st.dataframe(pd.DataFrame(rows).round(3), key="backtest", hide_index=True)
    if (run_dir / "backtest.png").is_file():
        st.image(str(run_dir / "backtest.png"), caption="1-day-ahead forecasts at every origin")


def main() -> None:
    st.title("COVID-19: forecast daily new cases")
    run_dir = find_run_or_stop(APP)
    try:
        is_global = is_global_run(run_dir)
    except UserError as err:
        st.error(f"{err} (run {run_dir}): train again with `refapps {APP} train`.")
        st.stop()
    if is_global:
        from apps.covid_forecast.jhu.demo import show_global

        show_global(run_dir)
    else:
        show_tutorial(run_dir)
    st.subheader("The model")
    show_run_summary(run_dir, ("in_sample/smape", "in_sample/naive_smape", "val/smape", "val/loss"))
    st.caption(f"Run: {run_dir}")


with page_errors("COVID-19: forecast daily new cases"):  # the title above: one name
    main()
