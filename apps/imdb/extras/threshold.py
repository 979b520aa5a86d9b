"""--no-lexicon, --model tutorial_cnn | bilstm: a decision threshold chosen on held-out train.

    refapps imdb train --no-lexicon              # ngram_nb alone, the default before the stack
    refapps imdb train --model tutorial_cnn --epochs 2

Without the lexicon stack, the held-out reviews and two sentences cut from each (half the say
each) choose the threshold instead: the one with the best balanced accuracy (0.20-0.80)
replaces 0.5 only when it beats 0.5 by more than two standard errors. `train` saves it in
model.json; predict, evaluate and the page apply it. Never the test reviews, never other
sites' files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from ..data import Loaders
from ..train import held_out_scores

THRESHOLDS = np.round(np.arange(0.20, 0.805, 0.01), 2)  # a threshold outside this is a bug
NOISE_ERRORS = 2.0  # a threshold must beat 0.5 by 2 standard errors, or 0.5 is kept


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


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


def threshold_decision(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> dict[str, Any]:
    """`{"threshold": t}`, chosen on the held-out part of train (0.5 without one)."""
    held = held_out_scores(model, loaders, meta, seed)
    if held is None:
        return {"threshold": 0.5}
    return {"threshold": choose_threshold(sigmoid(held.logits), held.labels, held.weights)}
