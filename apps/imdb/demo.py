"""Step 7, try it: a Streamlit page for the IMDB sentiment model.

    streamlit run apps/imdb/demo.py     # or: refapps demo

Type or paste a review to get its sentiment, with the words that pushed the decision
highlighted (occlusion: each word is removed in turn and the change is measured).
Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`).
"""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from apps.imdb.config import APP
from apps.imdb.predict import MAX_EXPLAINED_TOKENS, Explanation, Predictor, load_predictor
from common.errors import UserError
from common.pages import find_run_or_stop, show_run_summary

MAX_CHARS = 20_000  # longer texts are cut before the model sees them; the page stays fast
EXAMPLES = {
    "Positive": "One of the best films I have seen in years. The acting is superb, the story "
    "moving and the ending left me in tears. Highly recommended!",
    "Negative": "What a waste of time. The plot makes no sense, the dialogue is awful and "
    "I nearly fell asleep halfway through. Avoid this one.",
    "Mixed": "The first hour is slow and the lead is wooden, but the last act is surprisingly "
    "good and the soundtrack is wonderful.",
}


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


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


st.title("IMDB: is this review positive?")
st.write(
    "A model trained on 25,000 movie reviews. Type a review, or pick an example; the words "
    "that pushed the decision are highlighted (green: positive, red: negative)."
)
run_dir = find_run_or_stop(APP)
predictor = cached_predictor(str(run_dir))


def use_example() -> None:
    st.session_state["review"] = EXAMPLES.get(st.session_state["example"], "")


st.selectbox("Example review", ["(none)", *EXAMPLES], key="example", on_change=use_example)
text = st.text_area("Review", height=180, key="review")
if st.button("Predict", key="predict"):
    if not text.strip():
        st.warning("Type a review first: the text is empty.")
    else:
        if len(text) > MAX_CHARS:
            st.info(
                f"The review has {len(text):,} characters; only the first {MAX_CHARS:,} are used."
            )
            text = text[:MAX_CHARS]
        try:
            explanation = predictor.explain(text)
        except UserError as err:
            st.error(str(err))
        else:
            prediction = explanation.prediction
            left, right = st.columns(2)
            left.metric("Sentiment", prediction.label)
            right.metric("Probability of positive", f"{prediction.probability:.1%}")
            st.markdown(highlighted(explanation), unsafe_allow_html=True)
            if explanation.num_tokens > explanation.num_explained:
                st.caption(
                    f"Highlighting covers the first {MAX_EXPLAINED_TOKENS} of "
                    f"{explanation.num_tokens:,} tokens; the prediction uses all of them."
                )

st.subheader("The model")
show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1"))
st.caption(f"Run: {run_dir}")
