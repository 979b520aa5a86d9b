"""Scores from probabilities: accuracy, positive rate, per-class accuracy, and the threshold.

    refapps imdb evaluate --other-reviews ../shared/data/imdb/other_reviews/yelp_labelled.txt

`label_metrics` is what `evaluate --other-reviews` and the bench report for any model (the
app's, TF-IDF, VADER), so every row is computed the same way. `choose_threshold` picks the
decision threshold on held-out *training* data; it is saved in model.json.
"""

from __future__ import annotations

import numpy as np

THRESHOLDS = np.round(np.arange(0.20, 0.805, 0.01), 2)  # a threshold outside this is a bug


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


def balanced_accuracy(probs: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    preds, labels = np.asarray(probs) >= threshold, np.asarray(labels).astype(bool)
    per_class = [(preds[labels == c] == c).mean() for c in (False, True) if (labels == c).any()]
    return float(np.mean(per_class)) if per_class else 0.0


def choose_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best balanced accuracy (ties: the one nearest 0.5)."""
    scores = [balanced_accuracy(probs, labels, t) for t in THRESHOLDS]
    best = max(scores)
    candidates = [t for t, s in zip(THRESHOLDS, scores, strict=True) if s >= best - 1e-12]
    return float(min(candidates, key=lambda t: abs(t - 0.5)))
