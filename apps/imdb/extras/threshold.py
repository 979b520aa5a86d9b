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

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import Reviews
from ..predict import Predictor
from ..stack import group_weights, sample_sentences
from ..train import SENTENCES_PER_REVIEW

THRESHOLDS = np.round(np.arange(0.20, 0.805, 0.01), 2)  # a threshold outside this is a bug
NOISE_ERRORS = 2.0  # a threshold must beat 0.5 by 2 standard errors, or 0.5 is kept


@dataclass
class HeldOut:
    texts: list[str]  # held-out reviews first, then sentences cut from them
    logits: np.ndarray  # (N,) the model's logits on them
    labels: np.ndarray
    weights: np.ndarray  # reviews and sentences half the say each
    num_reviews: int


def held_out_scores(predictor: Predictor, reviews: Reviews | None, seed: int) -> HeldOut | None:
    """The rows `train.stack_decision` fits on: held-out reviews and sentences cut from them,
    with the predictor's logits (None: no hold-out). Also what the studies score."""
    if reviews is None or len(reviews.labels) == 0:
        return None
    sentences = sample_sentences(reviews, SENTENCES_PER_REVIEW, np.random.default_rng(seed))
    texts = reviews.texts + sentences.texts
    logits = predictor.predict_logits(texts).double().numpy()
    labels = np.concatenate([reviews.labels, sentences.labels])
    weights = group_weights(len(reviews.labels), len(sentences.labels))
    return HeldOut(texts, logits, labels, weights, len(reviews.labels))


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


def threshold_decision(predictor: Predictor, reviews: Reviews | None, seed: int) -> dict[str, Any]:
    """`{"threshold": t}`, chosen on the held-out part of train (0.5 without one)."""
    held = held_out_scores(predictor, reviews, seed)
    if held is None:
        return {"threshold": 0.5}
    return {"threshold": choose_threshold(sigmoid(held.logits), held.labels, held.weights)}
