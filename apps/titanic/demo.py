"""Front-end: the Streamlit page for the Titanic model.

    streamlit run apps/titanic/demo.py     # or: refapps demo

Describe a passenger (or pick an example) for a verdict and a bar, or upload a CSV for a
table of predictions to download. Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`).
The last answer is kept in the session, so an upload does not wipe it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from apps.titanic.config import APP
from apps.titanic.csv_files import read_passengers
from apps.titanic.predict import Predictor, load_predictor
from common.errors import UserError
from common.pages import (
    find_run_or_stop,
    page_errors,
    show_label,
    show_run_summary,
    upload_too_large,
)

RESULT_KEY = f"{APP}_result"
COLUMNS = ("pclass", "sex", "age", "fare", "sibsp", "parch", "embarked", "name")
EXAMPLES: dict[str, dict[str, Any]] = {
    label: dict(zip(COLUMNS, values, strict=True))
    for label, values in {
        "1st-class lady": (1, "female", 38.0, 71.28, 1, 0, "C", "Cumings, Mrs. John Bradley"),
        "3rd-class young man": (3, "male", 22.0, 7.25, 1, 0, "S", "Braund, Mr. Owen Harris"),
        "2nd-class boy": (2, "male", 4.0, 29.0, 1, 1, "S", "Becker, Master. Richard F"),
    }.items()
}


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


def use_example(label: str) -> None:
    """Fill the form with an example passenger and answer at once (a button callback)."""
    for key, value in EXAMPLES[label].items():
        st.session_state[key] = value
    st.session_state["pending"] = True


def predict_from_form(predictor: Predictor) -> None:
    state = st.session_state
    passenger = {
        "Pclass": int(state.pclass), "Sex": state.sex, "Age": float(state.age),
        "SibSp": int(state.sibsp), "Parch": int(state.parch), "Fare": float(state.fare),
        "Embarked": state.embarked, "Name": state.name or None,
    }  # fmt: skip
    try:
        probability = predictor.predict([passenger])[0]
        state[RESULT_KEY] = {"who": state.name or "this passenger", "p": probability}
    except UserError as err:
        state[RESULT_KEY] = {"error": str(err)}


def describe(predictor: Predictor) -> str:
    """What the run was trained on, from its own model.json (for the page's intro)."""
    meta = predictor.meta
    num_models = int(meta.get("model_args", {}).get("num_models", 1))
    what = f"an ensemble of {num_models} small MLPs" if num_models > 1 else "a small MLP"
    rows = meta.get("num_train")
    trained = f"{rows} passengers" if isinstance(rows, int) else "the training passengers"
    extra = " (train and test splits together)" if meta.get("train_on_all") else ""
    return f"{what} trained on {trained}{extra}, features: {predictor.preprocessor.features}"


def passenger_form(predictor: Predictor) -> None:
    """Example buttons, the form, and the verdict kept in the session."""
    st.caption("Examples, one click each:")
    for column, label in zip(st.columns(len(EXAMPLES)), EXAMPLES, strict=True):
        column.button(label, key=f"example_{label}", on_click=use_example, args=(label,))
    with st.form("passenger"):
        left, right = st.columns(2)
        left.selectbox("Ticket class", [1, 2, 3], index=2, key="pclass")
        right.selectbox("Sex", ["male", "female"], key="sex")
        left.number_input("Age", min_value=0.0, max_value=120.0, value=30.0, key="age")
        right.number_input("Fare", min_value=0.0, max_value=1000.0, value=14.5, key="fare")
        left.number_input("Siblings / spouses aboard", 0, 20, 0, key="sibsp")
        right.number_input("Parents / children aboard", 0, 20, 0, key="parch")
        left.selectbox("Port", ["S", "C", "Q"], key="embarked")
        right.text_input("Name (optional, gives the title)", "", key="name")
        submitted = st.form_submit_button("Predict")
    if submitted or st.session_state.pop("pending", False):
        predict_from_form(predictor)
    result = st.session_state.get(RESULT_KEY)
    if result is not None and "error" in result:
        st.error(result["error"])
    elif result is not None:
        st.write(f"**{result['who']}**")
        show_label({"survived": result["p"], "died": 1.0 - result["p"]})


def csv_upload(predictor: Predictor) -> None:
    """A whole CSV in, a table of predictions to download out."""
    st.subheader("Predict a whole CSV")
    uploaded = st.file_uploader(
        "Passenger CSV with Kaggle's columns (Survived optional), at most 20 MB",
        type=["csv"],
        key="upload",
    )
    if uploaded is None or upload_too_large(uploaded):
        return
    try:
        table = predictor.predict_frame(read_passengers(uploaded), source=uploaded.name)
    except UserError as err:
        st.error(str(err))
        return
    st.dataframe(table, key="predictions")
    st.download_button(
        "Download predictions", table.to_csv(index=False), "predictions.csv", "text/csv"
    )


def main() -> None:
    st.title("Titanic: who survives?")  # a literal: the hub reads the name from it
    run_dir = find_run_or_stop(APP)
    predictor = cached_predictor(str(run_dir))
    st.write(f"This run is {describe(predictor)}. Describe a passenger, or upload a CSV.")
    passenger_form(predictor)
    csv_upload(predictor)
    st.subheader("The model")
    show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1"))
    st.caption(f"Run: {run_dir}")


with page_errors("Titanic: who survives?"):
    main()
