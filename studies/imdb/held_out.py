"""Shared by the imdb studies: the one stack of rounds two to five, and out-of-fold scores.

    python studies/imdb/choose_on_cr.py     # imports this file from its own folder

The studies fit with `apps.imdb.extras.options.fit_held_out` (the first part of `refapps imdb
train`: the model fitted on 90 % of the training reviews, returned instead of a decision),
turn it into a predictor with `fitted_predictor` and score the held-out rows with
`apps.imdb.extras.threshold.held_out_scores`.
"""

from __future__ import annotations

import numpy as np

from apps.imdb.extras.threshold import sigmoid
from apps.imdb.stack import Stack, fit_stack

FOLDS = 5  # out-of-fold scores for the held-out comparison


def none(n: int) -> list[str]:
    """Texts for a stack with one set of numbers for every length (their words are unused)."""
    return [""] * n


def one_stack(
    model_logits: np.ndarray, compound: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> Stack:
    """The stack of the second to fifth rounds: one set of three numbers for every text."""
    return fit_stack(model_logits, compound, labels, weights, none(len(labels)), short_words=0)


def out_of_fold_probs(
    model_logits: np.ndarray,
    compound: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    seed: int,
) -> np.ndarray:
    """P(positive) of each row from a stack fitted on the other folds (honest comparison)."""
    folds = np.random.default_rng(seed).integers(0, FOLDS, len(labels))
    probs = np.zeros(len(labels))
    for k in range(FOLDS):
        rest, rows = folds != k, folds == k
        stack = one_stack(model_logits[rest], compound[rest], labels[rest], weights[rest])
        probs[rows] = sigmoid(stack.logits(model_logits[rows], compound[rows], none(rows.sum())))
    return probs
