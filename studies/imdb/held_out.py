"""Shared by the imdb studies: the held-out fit `train` makes, and out-of-fold stack scores.

    python studies/imdb/choose_on_cr.py     # imports this file from its own folder

`fit_held_out` runs the first part of `refapps imdb train` (the model fitted on 90 % of the
training reviews) and returns the model instead of a decision, so a study can score it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from apps.imdb.config import DataConfig, ModelConfig
from apps.imdb.dispatch import recipe_for
from apps.imdb.extras.threshold import sigmoid
from apps.imdb.stack import Stack, fit_stack
from apps.imdb.train import choose
from common.config import TrainConfig

FOLDS = 5  # out-of-fold scores for the held-out comparison


def fit_held_out(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig) -> Any:
    """(model, loaders, meta) of the fit on 90 % of train that `train` decides with."""
    recipe = recipe_for(data_cfg, model_cfg)
    capture = dataclasses.replace(recipe, decide=lambda *fitted: {"fitted": fitted[:3]})
    return choose(data_cfg, model_cfg, train_cfg, capture)["fitted"]


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
