"""Front-end: the Streamlit page for the IMDB sentiment model.

    streamlit run apps/imdb/demo.py     # or: refapps demo

Type or paste a review (or click an example) to get its sentiment: a verdict, a bar of the
probability of positive against the run's decision threshold ("uncertain" near it), and the
words that pushed the decision highlighted (occlusion: each word is removed in turn and the
change is measured). The result stays until the next prediction. Uses the newest run
(`$REFAPPS_RUNS_DIR`, default `runs`). An empty review is refused. The whole page runs
inside `common.pages.page_errors`, alone or in the hub.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from apps.imdb.config import APP
from apps.imdb.dispatch import open_predictor
from apps.imdb.explain import MAX_EXPLAINED_TOKENS, Explanation, explain
from apps.imdb.predict import Predictor
from common.errors import UserError
from common.pages import find_run_or_stop, page_errors, show_run_summary

MAX_CHARS = 20_000  # longer texts are cut before the model sees them; the page stays fast
UNCERTAIN_WITHIN = 0.1  # within 10 points of the threshold the page says "uncertain"
EXAMPLES = {
    "Positive": "One of the best films I have seen in years. The acting is superb, the story "
    "moving and the ending left me in tears. Highly recommended!",
    "Negative": "What a waste of time. The plot makes no sense, the dialogue is awful and "
    "I nearly fell asleep halfway through. Avoid this one.",
    "Mixed": "The first hour is slow and the lead is wooden, but the last act is surprisingly "
    "good and the soundtrack is wonderful.",
    "Short": "Not worth the money.",
}
LEGEND = (
    '<span style="background:rgba(0,160,0,0.6);border-radius:3px;padding:0 4px">green</span>'
    " pushed towards positive, "
    '<span style="background:rgba(220,0,0,0.6);border-radius:3px;padding:0 4px">red</span>'
    " towards negative; the stronger the colour, the bigger the push."
)


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str, meta_mtime_ns: int) -> Predictor:
    """Loaded once per run (and again if its model.json changes, e.g. a new threshold)."""
    return open_predictor(Path(run_dir))


def highlighted(explanation: Explanation) -> str:
    """HTML with green words (pushed towards positive) and red words (towards negative)."""
    scale = max((abs(e) for _, e in explanation.spans), default=0.0) or 1.0
    parts = []
    for piece, effect in explanation.spans:
        text = html.escape(piece).replace("\n", "<br>")
        alpha = min(abs(effect) / scale, 1.0) * 0.8
        if alpha < 0.05:
            parts.append(text)
            continue
        color = f"rgba(0,160,0,{alpha:.2f})" if effect > 0 else f"rgba(220,0,0,{alpha:.2f})"
        parts.append(f'<span style="background:{color};border-radius:3px">{text}</span>')
    return "".join(parts)


def verdict(probability: float, threshold: float) -> tuple[str, bool]:
    """("positive"/"negative" with the probability, whether it is too close to call)."""
    label = "positive" if probability >= threshold else "negative"
    uncertain = abs(probability - threshold) < UNCERTAIN_WITHIN
    return f"{label} ({probability:.0%} positive)", uncertain


def show_probability(probability: float, threshold: float) -> None:
    """A verdict, then a bar of P(positive) on a fixed 0-100 % axis with the threshold marked."""
    import altair as alt

    text, uncertain = verdict(probability, threshold)
    if uncertain:
        st.warning(f"Uncertain: {text}, close to the threshold {threshold:.0%}.")
    elif probability >= threshold:
        st.success(f"Positive: {text}")
    else:
        st.error(f"Negative: {text}")
    bar = pd.DataFrame({"what": ["P(positive)"], "probability": [probability]})
    x = alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    band = pd.DataFrame(
        {"low": [max(0.0, threshold - UNCERTAIN_WITHIN)], "high": [threshold + UNCERTAIN_WITHIN]}
    )
    chart = (
        alt.Chart(band).mark_rect(color="#f5d67b", opacity=0.5).encode(x="low:Q", x2="high:Q")
        + alt.Chart(bar).mark_bar(size=24).encode(x=x, y=alt.Y("what:N", title=None))
        + alt.Chart(pd.DataFrame({"t": [threshold]})).mark_rule(color="black").encode(x="t:Q")
    )
    st.altair_chart(chart.properties(height=70), width="stretch")
    st.caption(f"Black line: the decision threshold ({threshold:.0%}); yellow band: uncertain.")


def read_run_config(run_dir: Path) -> dict[str, Any]:
    """The run's config.json, or {} when it cannot be read (the page still works)."""
    from common.runs import read_config

    try:
        return dict(read_config(run_dir))
    except (UserError, OSError, ValueError):
        return {}


def intro(meta: dict[str, Any], config: dict[str, Any]) -> str:
    data = config.get("data", {})
    source = data.get("train_file") or "the IMDB training reviews (aclImdb)"
    count = meta.get("num_train_reviews")
    trained_on = f"{count:,} reviews from {source}" if count else source
    snippets = meta.get("num_train_snippets") or 0
    if snippets:
        trained_on += f" plus {snippets:,} short snippets cut from them"
    lexicon = ", its score combined with the VADER lexicon's" if "stack" in meta else ""
    return (
        f"A `{meta.get('model', '?')}` model trained on {trained_on}{lexicon}. Type a review, "
        "or click an example; the words that pushed the model are highlighted."
    )


def predict_now(predictor: Predictor, text: str) -> None:
    """Explain `text` and keep the result in the session (it survives unrelated reruns)."""
    if not text.strip():
        st.session_state["imdb_result"] = {"error": "Type a review first: the text is empty."}
        return
    note = ""
    if len(text) > MAX_CHARS:
        note = f"The review has {len(text):,} characters; only the first {MAX_CHARS:,} are used."
        text = text[:MAX_CHARS]
    try:
        explanation = explain(predictor, text)
    except UserError as err:
        st.session_state["imdb_result"] = {"error": str(err)}
    else:
        st.session_state["imdb_result"] = {"text": text, "explanation": explanation, "note": note}


def use_example(predictor: Predictor, name: str) -> None:
    st.session_state["review"] = EXAMPLES[name]
    predict_now(predictor, EXAMPLES[name])


def show_result(predictor: Predictor, result: dict[str, Any]) -> None:
    if "error" in result:
        st.warning(result["error"])
        return
    explanation: Explanation = result["explanation"]
    if result["note"]:
        st.info(result["note"])
    if result["text"] != st.session_state.get("review", "")[:MAX_CHARS]:
        st.caption("Result for the text as it was when you pressed Predict.")
    prediction = explanation.prediction
    left, right = st.columns(2)
    left.metric("Sentiment", prediction.label)
    right.metric("Probability of positive", f"{prediction.probability:.1%}")
    show_probability(prediction.probability, predictor.threshold)
    st.markdown(LEGEND, unsafe_allow_html=True)
    st.markdown(highlighted(explanation), unsafe_allow_html=True)
    if explanation.num_tokens > explanation.num_explained:
        st.caption(
            f"Highlighting covers the first {MAX_EXPLAINED_TOKENS} of "
            f"{explanation.num_tokens:,} tokens; the prediction uses all of them."
        )


def main() -> None:
    st.title("IMDB: is this review positive?")  # a literal: the hub reads the name from it
    run_dir = find_run_or_stop(APP)
    predictor = cached_predictor(str(run_dir), (run_dir / "model.json").stat().st_mtime_ns)
    st.write(intro(predictor.meta, read_run_config(run_dir)))

    st.caption("Examples (one click predicts):")
    for column, name in zip(st.columns(len(EXAMPLES)), EXAMPLES, strict=True):
        column.button(name, key=f"example_{name}", on_click=use_example, args=(predictor, name))
    text = st.text_area("Review", height=180, key="review")
    if st.button("Predict", key="predict", type="primary"):
        predict_now(predictor, text)
    if "imdb_result" in st.session_state:
        show_result(predictor, st.session_state["imdb_result"])

    st.subheader("The model")
    show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1"))
    st.caption(f"Run: {run_dir}")


with page_errors("IMDB: is this review positive?"):
    main()
