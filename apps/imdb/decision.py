"""Part of steps 3 and 4 of 6, train and evaluate: the threshold, chosen on held-out train.

    refapps imdb train      # fits on 90 % of train, chooses the threshold on the other 10 %

People type one or two sentences, not whole reviews, so the held-out reviews are scored
together with two sentences cut from each (labelled by their review), reviews and sentences
half the say each. The threshold with the best balanced accuracy (0.20-0.80) replaces 0.5
only when it beats 0.5 by more than two standard errors. `train` saves it in model.json;
predict, evaluate and the page apply it. Never the test reviews, never other sites' files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from .data import Loaders, Reviews

SENTENCES_PER_REVIEW = 2  # single sentences cut from each held-out review
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<br\s*/?>", re.IGNORECASE)
MIN_WORDS = 3  # "Wow." alone says little; shorter pieces are not used
THRESHOLDS = np.round(np.arange(0.20, 0.805, 0.01), 2)  # a threshold outside this is a bug
NOISE_ERRORS = 2.0  # a threshold must beat 0.5 by 2 standard errors, or 0.5 is kept


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def split_sentences(text: str) -> list[str]:
    """Sentences of a review (split after . ! ? and at <br /> tags), of at least 3 words."""
    pieces = (piece.strip() for piece in SENTENCE_END.split(text))
    return [piece for piece in pieces if len(piece.split()) >= MIN_WORDS]


def sample_sentences(reviews: Reviews, per_review: int, rng: np.random.Generator) -> Reviews:
    """Up to `per_review` distinct single sentences of each review, labelled by the review."""
    texts: list[str] = []
    labels: list[int] = []
    for text, label in zip(reviews.texts, reviews.labels, strict=True):
        sentences = split_sentences(text)
        for i in rng.permutation(len(sentences))[:per_review]:
            texts.append(sentences[i])
            labels.append(int(label))
    return Reviews(texts, np.array(labels, dtype=np.int64))


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


@dataclass
class HeldOut:
    texts: list[str]  # held-out reviews first, then sentences cut from them
    logits: np.ndarray  # (N,) the model's logits on them
    labels: np.ndarray
    weights: np.ndarray  # reviews and sentences half the say each
    num_reviews: int


def held_out_scores(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> HeldOut | None:
    """The model's logits on the held-out reviews and their sentences (None: no hold-out)."""
    from .predict import Predictor

    held_out = loaders.val_reviews
    if held_out is None or len(held_out.labels) == 0:
        return None
    sentences = sample_sentences(held_out, SENTENCES_PER_REVIEW, np.random.default_rng(seed))
    texts, device = held_out.texts + sentences.texts, next(model.parameters()).device
    predictor = Predictor(model.cpu(), loaders.tokenizer, meta, loaders.family)
    logits = predictor.predict_logits(texts).numpy()
    model.to(device)
    return HeldOut(
        texts,
        logits.astype(np.float64),
        np.concatenate([held_out.labels, sentences.labels]),
        group_weights(len(held_out.labels), len(sentences.labels)),
        len(held_out.labels),
    )


def held_out_decision(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> dict[str, Any]:
    """`{"threshold": t}`, chosen on the held-out part of train (0.5 without one)."""
    held = held_out_scores(model, loaders, meta, seed)
    if held is None:
        return {"threshold": 0.5}
    return {"threshold": choose_threshold(sigmoid(held.logits), held.labels, held.weights)}
