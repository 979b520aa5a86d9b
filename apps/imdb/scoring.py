"""Scores from probabilities: accuracy, positive rate, per-class accuracy, and the threshold.

    refapps imdb evaluate --other-reviews ../shared/data/imdb/other_reviews/yelp_labelled.txt

`label_metrics` is what `evaluate --other-reviews` and the bench report for any model (the
app's, TF-IDF, VADER), so every row is computed the same way. `choose_threshold` picks the
decision threshold on held-out *training* data (reviews and sentences weighted equally by
`group_weights`); it is saved in model.json.
"""

from __future__ import annotations

import numpy as np

THRESHOLDS = np.round(np.arange(0.20, 0.805, 0.01), 2)  # a threshold outside this is a bug
NOISE_ERRORS = 2.0  # a threshold must beat 0.5 by 2 standard errors, or 0.5 is kept


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


def group_weights(num_reviews: int, num_sentences: int) -> np.ndarray:
    """Row weights that give the held-out reviews and the sentences half the say each."""
    groups = [(n, 0.5 / n if n else 0.0) for n in (num_reviews, num_sentences)]
    return np.concatenate([np.full(n, w) for n, w in groups])


def balanced_accuracy(
    probs: np.ndarray, labels: np.ndarray, threshold: float, weights: np.ndarray | None = None
) -> float:
    """Mean of the (weighted) accuracy on negatives and on positives."""
    preds, labels = np.asarray(probs) >= threshold, np.asarray(labels).astype(bool)
    weights = np.ones(len(labels)) if weights is None else np.asarray(weights)
    per_class = [
        np.average(preds[labels == c] == c, weights=weights[labels == c])
        for c in (False, True)
        if weights[labels == c].sum() > 0
    ]
    return float(np.mean(per_class)) if per_class else 0.0


def gain_over_half(
    probs: np.ndarray, labels: np.ndarray, threshold: float, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """Balanced-accuracy gain of `threshold` over 0.5, and its paired standard error."""
    labels = np.asarray(labels).astype(bool)
    weights = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
    share = np.zeros(len(labels))
    for c in (False, True):  # each class counts half, as in balanced accuracy
        if weights[labels == c].sum() > 0:
            share[labels == c] = weights[labels == c] / (2 * weights[labels == c].sum())
    right = [(np.asarray(probs) >= t) == labels for t in (threshold, 0.5)]
    diff = right[0].astype(float) - right[1]  # rows the move fixed (+1) or broke (-1)
    return float((share * diff).sum()), float(np.sqrt((share**2 * diff**2).sum()))


def choose_threshold(
    probs: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """The threshold with the best balanced accuracy, if it beats 0.5 by more than noise."""
    scores = [balanced_accuracy(probs, labels, t, weights) for t in THRESHOLDS]
    best = max(scores)
    candidates = [t for t, s in zip(THRESHOLDS, scores, strict=True) if s >= best - 1e-12]
    chosen = float(min(candidates, key=lambda t: abs(t - 0.5)))
    gain, error = gain_over_half(probs, labels, chosen, weights)
    return chosen if gain > NOISE_ERRORS * error else 0.5
