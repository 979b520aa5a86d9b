"""Step 7, try it: a Streamlit page for the Titanic model.

    streamlit run apps/titanic/demo.py     # or: refapps demo

Describe a passenger to get a survival probability, or upload a CSV for a table of
predictions to download. Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from apps.titanic.config import APP
from apps.titanic.data import read_passengers
from apps.titanic.predict import Passenger, Predictor, load_predictor
from common.errors import UserError
from common.pages import find_run_or_stop, show_run_summary, upload_too_large


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


st.title("Titanic: who survives?")
st.write(
    "A small MLP trained on 712 passengers of the Titanic. Describe a passenger, or upload a CSV."
)
run_dir = find_run_or_stop(APP)
predictor = cached_predictor(str(run_dir))

with st.form("passenger"):
    left, right = st.columns(2)
    pclass = left.selectbox("Ticket class", [1, 2, 3], index=2, key="pclass")
    sex = right.selectbox("Sex", ["male", "female"], key="sex")
    age = left.number_input("Age", min_value=0.0, max_value=120.0, value=30.0, key="age")
    fare = right.number_input("Fare", min_value=0.0, max_value=1000.0, value=14.5, key="fare")
    sibsp = left.number_input("Siblings / spouses aboard", 0, 20, 0, key="sibsp")
    parch = right.number_input("Parents / children aboard", 0, 20, 0, key="parch")
    embarked = left.selectbox("Port", ["S", "C", "Q"], key="embarked")
    name = right.text_input("Name (optional, gives the title)", "", key="name")
    submitted = st.form_submit_button("Predict")
if submitted:
    passenger = Passenger(
        int(pclass), sex, float(age), int(sibsp), int(parch), float(fare), embarked, name or None
    )
    try:
        probability = predictor.predict([passenger])[0]
        st.metric("Survival probability", f"{probability:.1%}")
    except UserError as err:
        st.error(str(err))

st.subheader("Predict a whole CSV")
uploaded = st.file_uploader("Passenger CSV (Survived optional)", type=["csv"], key="upload")
if uploaded is not None and not upload_too_large(uploaded):
    try:
        table = predictor.predict_frame(read_passengers(uploaded), source=uploaded.name)
        st.dataframe(table, key="predictions")
        st.download_button(
            "Download predictions", table.to_csv(index=False), "predictions.csv", "text/csv"
        )
    except UserError as err:
        st.error(str(err))

st.subheader("The model")
show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1"))
st.caption(f"Run: {run_dir}")
