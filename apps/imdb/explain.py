"""Front-end helper for the page: which words pushed a prediction, by occlusion.

    streamlit run apps/imdb/demo.py     # the highlighted words come from here

Each token is removed in turn and the model's logit is measured again: the change is that
token's push (> 0 towards positive). The label itself is the predictor's, with its threshold
(and its stack, for a run trained with --lexicon-stack).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Encoded
from .predict import Prediction, Predictor

MAX_EXPLAINED_TOKENS = 400  # occlusion runs the model once per token: cap it for long texts


@dataclass(frozen=True)
class Explanation:
    prediction: Prediction
    spans: list[tuple[str, float]]  # (text piece, logit change the token caused); gaps have 0.0
    num_tokens: int
    num_explained: int


def explain(predictor: Predictor, text: str) -> Explanation:
    """The prediction for `text`, and each piece of it with the push of its token."""
    label = predictor.predict([text])[0]  # checks the text too (UTF-8)
    predictor.tokenizer.enable_truncation(predictor.meta["max_tokens"])
    encoding = predictor.tokenizer.encode(text)
    ids = np.asarray(encoding.ids, dtype=np.int64)
    n = min(len(ids), MAX_EXPLAINED_TOKENS)
    variants = [ids] + [np.delete(ids, i) for i in range(n)]
    lengths = np.array([len(v) for v in variants], dtype=np.int64)
    flat = np.concatenate(variants) if lengths.sum() else np.zeros(0, dtype=np.int64)
    logits = predictor.logits_of(Encoded(flat, np.concatenate([[0], np.cumsum(lengths)])))
    effects = (logits[0] - logits[1:]).tolist()  # > 0: the token pushed towards positive
    spans, cursor = [], 0
    for (start, end), effect in zip(encoding.offsets[:n], effects, strict=True):
        if start > cursor:
            spans.append((text[cursor:start], 0.0))
        spans.append((text[start:end], effect))
        cursor = max(cursor, end)
    if cursor < len(text):
        spans.append((text[cursor:], 0.0))
    return Explanation(label, spans, len(ids), n)
