"""The decision rule, chosen on held-out *training* data: a threshold, and maybe a stack.

    refapps imdb train                  # fits on 90 % of train, decides on the other 10 %

`held_out_decision` scores the held-out training reviews and two sentences cut from each
(reviews and sentences weighted equally), fits the lexicon stack when asked, and picks the
threshold; `train` saves the result in model.json. `compare_rules` is the table the README's
choice was made from. Never the test reviews, never the other sites' files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from .data import Loaders
from .scoring import balanced_accuracy, choose_threshold, group_weights
from .snippets import sample_sentences
from .stack import fit_stack, lexicon_scores, out_of_fold_probs

SENTENCES_PER_REVIEW = 2  # single sentences cut from each held-out review
VADER_CUT = 0.525  # the authors' compound >= 0.05, on the 0..1 scale


@dataclass
class HeldOut:
    logits: np.ndarray  # (N,) model logits: held-out reviews first, then their sentences
    compound: np.ndarray | None  # (N,) VADER scores, when the stack needs them
    labels: np.ndarray
    weights: np.ndarray  # reviews and sentences half the say each
    num_reviews: int


def held_out_scores(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int, use_lexicon: bool
) -> HeldOut | None:
    """The model's logits (and VADER's scores) on held-out reviews and their sentences."""
    from .predict import Predictor

    held_out = loaders.val_reviews
    if held_out is None or len(held_out.labels) == 0:
        return None
    sentences = sample_sentences(held_out, SENTENCES_PER_REVIEW, np.random.default_rng(seed))
    texts, device = held_out.texts + sentences.texts, next(model.parameters()).device
    plain = {k: v for k, v in meta.items() if k != "stack"}
    logits = Predictor(model.cpu(), loaders.tokenizer, plain).predict_logits(texts).numpy()
    model.to(device)
    return HeldOut(
        logits.astype(np.float64),
        lexicon_scores(texts) if use_lexicon else None,
        np.concatenate([held_out.labels, sentences.labels]),
        group_weights(len(held_out.labels), len(sentences.labels)),
        len(held_out.labels),
    )


def decide(held: HeldOut | None) -> dict[str, Any]:
    """`{"threshold": t}` plus `{"stack": {...}}` when lexicon scores are present."""
    if held is None:
        return {"threshold": 0.5}
    if held.compound is None:
        probs = 1.0 / (1.0 + np.exp(-held.logits))
        return {"threshold": choose_threshold(probs, held.labels, held.weights)}
    stack = fit_stack(held.logits, held.compound, held.labels, held.weights)
    probs = 1.0 / (1.0 + np.exp(-stack.logits(held.logits, held.compound)))
    threshold = choose_threshold(probs, held.labels, held.weights)
    return {"threshold": threshold, "stack": stack.to_json()}


def held_out_decision(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int, use_lexicon: bool
) -> dict[str, Any]:
    return decide(held_out_scores(model, loaders, meta, seed, use_lexicon))


def _row(name: str, probs: np.ndarray, held: HeldOut, threshold: float) -> dict[str, Any]:
    n, preds = held.num_reviews, probs >= threshold
    right = preds == held.labels.astype(bool)
    return {
        "rule": name,
        "threshold": threshold,
        "reviews": float(right[:n].mean()),
        "sentences": float(right[n:].mean()),
        "sentences_positive": float(preds[n:].mean()),
        "balanced_equal_weights": balanced_accuracy(probs, held.labels, threshold, held.weights),
    }


def compare_rules(held: HeldOut, seed: int) -> list[dict[str, Any]]:
    """Candidate decision rules on the held-out data (the stack scored out of fold)."""
    probs = 1.0 / (1.0 + np.exp(-held.logits))
    unweighted, equal = choose_threshold(probs, held.labels), (held.labels, held.weights)
    rows = [
        _row("n-grams, 0.5", probs, held, 0.5),
        _row("n-grams, unweighted threshold", probs, held, unweighted),
        _row("n-grams, equal-weight threshold", probs, held, choose_threshold(probs, *equal)),
    ]
    if held.compound is not None:
        vader = (held.compound + 1.0) / 2.0
        stacked = out_of_fold_probs(held.logits, held.compound, held.labels, held.weights, seed)
        rows += [
            _row("VADER alone", vader, held, VADER_CUT),
            _row("stack, 0.5 (out of fold)", stacked, held, 0.5),
            _row(
                "stack, equal-weight threshold (out of fold)",
                stacked,
                held,
                choose_threshold(stacked, held.labels, held.weights),
            ),
        ]
    return rows
