"""--lexicon-stack: the n-gram model's logit and a sentiment lexicon's score, combined.

    refapps imdb train --lexicon-stack

The n-grams know IMDB; the VADER lexicon (Hutto & Gilbert 2014, pure Python, no download)
knows English sentiment words in general, and short texts from elsewhere are where the
n-grams are weakest. A logistic regression on (n-gram logit, VADER compound score) with
three numbers, fitted on held-out *training* reviews and sentences weighted equally, says
how much to trust each. The numbers go to model.json under "stack" (JSON, no pickle) and
`StackedPredictor` applies them, so the CLI and the page decide alike. Not the default: it
ties the n-grams on held-out training data (studies/imdb/README.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from common.errors import CheckpointError, UserError

from ..data import Loaders
from ..decision import choose_threshold, held_out_scores, sigmoid
from ..model import Family
from ..predict import Predictor

FOLDS = 5  # out-of-fold scores for the held-out comparison (studies/imdb)


@dataclass(frozen=True)
class Stack:
    ngram: float  # weight of the model's logit
    lexicon: float  # weight of the VADER compound score (-1..1)
    bias: float

    def logits(self, model_logits: np.ndarray, compound: np.ndarray) -> np.ndarray:
        return self.ngram * np.asarray(model_logits) + self.lexicon * compound + self.bias

    def to_json(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any, where: Path) -> Stack:
        """Refuse anything but three finite numbers (model.json may have been edited)."""
        names = ("ngram", "lexicon", "bias")
        ok = isinstance(value, dict) and set(value) == set(names)
        if ok:
            ok = all(
                isinstance(value[k], int | float)
                and not isinstance(value[k], bool)
                and math.isfinite(value[k])
                and abs(value[k]) < 1e6
                for k in names
            )
        if not ok:
            raise CheckpointError(
                f"{where}: 'stack' must hold three finite numbers {', '.join(names)} "
                f"(got {value!r}); the file was edited or is damaged: train again."
            )
        return cls(*(float(value[k]) for k in names))


def lexicon_scores(texts: list[str]) -> np.ndarray:
    """VADER compound score of each text, in -1..1 (about 4 ms for a whole review)."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise UserError(
            "This run combines its model with the VADER lexicon: pip install vaderSentiment"
        ) from None
    analyzer = SentimentIntensityAnalyzer()
    return np.array(
        [analyzer.polarity_scores(t.replace("<br />", " "))["compound"] for t in texts],
        dtype=np.float64,
    ).reshape(-1)


def fit_stack(
    model_logits: np.ndarray, compound: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> Stack:
    """Weighted logistic regression on the two scores (weights: see `group_weights`)."""
    from sklearn.linear_model import LogisticRegression

    x = np.column_stack([np.asarray(model_logits, dtype=np.float64), compound])
    weights = np.asarray(weights) * len(weights) / np.sum(weights)  # mean 1: C keeps its sense
    fitted = LogisticRegression(C=1.0).fit(x, labels, sample_weight=weights)
    return Stack(float(fitted.coef_[0, 0]), float(fitted.coef_[0, 1]), float(fitted.intercept_[0]))


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
        stack = fit_stack(model_logits[rest], compound[rest], labels[rest], weights[rest])
        probs[rows] = sigmoid(stack.logits(model_logits[rows], compound[rows]))
    return probs


def stack_decision(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> dict[str, Any]:
    """The stack's three numbers and the threshold on its output, both from held-out train."""
    held = held_out_scores(model, loaders, meta, seed)
    if held is None:
        return {"threshold": 0.5}
    compound = lexicon_scores(held.texts)
    stack = fit_stack(held.logits, compound, held.labels, held.weights)
    probs = sigmoid(stack.logits(held.logits, compound))
    threshold = choose_threshold(probs, held.labels, held.weights)
    return {"threshold": threshold, "stack": stack.to_json()}


class StackedPredictor(Predictor):
    """A `Predictor` whose logits are the stack's: n-gram logit and VADER score combined."""

    def __init__(
        self, model: nn.Module, tokenizer: Any, meta: dict[str, Any], family: Family
    ) -> None:
        super().__init__(model, tokenizer, meta, family)
        self.stack = Stack.from_json(meta.get("stack"), Path("model.json"))

    def predict_logits(self, texts: list[str]) -> torch.Tensor:
        logits = super().predict_logits(texts).double().numpy()
        return torch.from_numpy(self.stack.logits(logits, lexicon_scores(texts))).float()
