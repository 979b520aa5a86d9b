"""evaluate --other-reviews FILE: accuracy and positive rate on labelled texts from elsewhere.

    refapps imdb evaluate --other-reviews ../shared/data/imdb/other_reviews/yelp_labelled.txt

Reads `sentence<TAB>label` lines (the UCI sentiment sets) or a CSV with `text,label` columns,
strict UTF-8. `label_metrics` is also what `refapps bench imdb` reports for every model (the
app's, TF-IDF, VADER), so every row is computed the same way. These files are only scored,
never trained or tuned on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common.errors import UserError

from ..data import Reviews
from ..predict import Predictor
from ..review_files import check_texts, decode_text, read_bytes, read_frame
from .table_files import LABEL_NAMES


def label_metrics(
    probs: np.ndarray, labels: np.ndarray, split: str, threshold: float = 0.5
) -> dict[str, float]:
    """`{split}/accuracy`, `/positive_rate` (share predicted positive), per-class accuracy."""
    preds = np.asarray(probs) >= threshold
    labels = np.asarray(labels).astype(bool)
    result = {
        f"{split}/accuracy": float((preds == labels).mean()),
        f"{split}/positive_rate": float(preds.mean()),
    }
    for name, value in (("negative", False), ("positive", True)):
        rows = labels == value
        if rows.any():
            result[f"{split}/{name}_accuracy"] = float((preds[rows] == value).mean())
    return result


def _labels(values: list[str], name: str) -> np.ndarray:
    labels = [LABEL_NAMES.get(v.strip().lower()) for v in values]
    for row, (label, value) in enumerate(zip(labels, values, strict=True), start=1):
        if label is None:
            raise UserError(f"{name}: label must be 0/1 or neg/pos (row {row}: {value[:40]!r}).")
    return np.array(labels, dtype=np.int64)


def read_labelled(raw: bytes, name: str) -> Reviews:
    """`sentence<TAB>label` lines (the UCI sentiment sets) or a CSV with `text,label` columns."""
    text = decode_text(raw, name)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{name} is empty.")
    if "\t" in lines[0]:
        pairs = [line.rsplit("\t", 1) for line in lines]
        if any(len(p) != 2 for p in pairs):
            raise UserError(f"{name}: every line needs sentence<TAB>label.")
        if pairs[0][1].strip().lower() == "label":
            pairs = pairs[1:]
        texts, values = [p[0] for p in pairs], [p[1] for p in pairs]
    else:
        df = read_frame(text, name)
        if not {"text", "label"} <= set(df.columns):
            raise UserError(f"{name}: a CSV needs a header with columns text and label.")
        texts, values = [str(v) for v in df["text"]], [str(v) for v in df["label"]]
    if not texts:
        raise UserError(f"{name} has no labelled reviews.")
    labels = _labels(values, name)
    return Reviews(check_texts(texts, f"{name}: review"), labels)


def evaluate_other(predictor: Predictor, path: Path) -> dict[str, float]:
    """Accuracy, positive rate and per-class accuracy on a labelled file from elsewhere."""
    reviews = read_labelled(read_bytes(path), str(path))
    probs = predictor.predict_logits(reviews.texts).sigmoid().numpy()
    split = Path(path).stem.removesuffix("_labelled")
    result = label_metrics(probs, reviews.labels, split, predictor.threshold)
    return result | {f"{split}/num_samples": float(len(reviews.labels))}
