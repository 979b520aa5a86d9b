"""Step 7, try it: a Streamlit page for the COVID forecasting ensemble.

    streamlit run apps/covid_forecast/demo.py     # or: refapps demo

Pick a series, a horizon and how many ensemble members draw the band; read the backtest
table of the run (`refapps covid_forecast evaluate`); or upload your own cumulative CSV.
Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from apps.covid_forecast.config import APP, DataConfig
from apps.covid_forecast.data import load_series, read_table
from apps.covid_forecast.predict import Predictor, load_predictor
from common.checkpoint import read_json
from common.errors import UserError
from common.pages import find_run_or_stop, show_run_summary, upload_too_large
from common.runs import read_config, restore_config


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


st.title("COVID-19: when do new cases reach zero?")
st.write(
    "An ensemble of small LSTMs reads 8-day windows of daily new counts and forecasts the "
    "next day, fed back on itself. The band spans the ensemble members."
)
run_dir = find_run_or_stop(APP)
predictor = cached_predictor(str(run_dir))

uploaded = st.file_uploader("Your own cumulative counts (CSV)", type=["csv", "tsv"], key="upload")
try:
    if uploaded is not None and not upload_too_large(uploaded):
        cumulative = read_table(uploaded)
        source = uploaded.name
    else:
        cumulative = load_series(restore_config(DataConfig, read_config(run_dir)["data"]))
        source = "the training data"
    left, middle, right = st.columns(3)
    series = left.selectbox("Series", predictor.series, key="series")
    days = middle.slider("Days ahead", 1, 120, 60, key="days")
    members = right.slider("Ensemble members", 1, len(predictor.model.members), 5, key="members")
    result = predictor.forecast(cumulative, days, members=members)
except UserError as err:
    st.error(str(err))
    st.stop()

table = result.table.set_index("date")
chart = pd.DataFrame(
    {
        "actual": table[series].where(table["kind"] == "actual"),
        "forecast": table[series].where(table["kind"] == "forecast"),
        "low": table[f"{series}_low"],
        "high": table[f"{series}_high"],
    }
)
st.line_chart(chart)
zero = result.zero_date.date() if result.zero_date is not None else "not within the horizon"
st.metric(f"First day with no new {result.series[0]} ({source})", str(zero))
st.download_button("Download forecast", result.table.to_csv(index=False), "forecast.csv")

st.subheader("Backtest (retrained at every origin, never seeing its target)")
backtest_path = run_dir / "backtest.json"
if backtest_path.is_file():
    st.dataframe(pd.DataFrame(read_json(backtest_path)["rows"]), key="backtest")
else:
    st.info(f"No backtest yet. Run:\n\n```\nrefapps {APP} evaluate\n```")

st.subheader("The model")
show_run_summary(run_dir, ("in_sample/mape", "in_sample/naive_mape"))
st.caption(f"Run: {run_dir}")
