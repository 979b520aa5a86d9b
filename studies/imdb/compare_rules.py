"""Study: the decision rules the default was chosen from, scored on held-out train only.

    REFAPPS_DATA=../shared/data python studies/imdb/compare_rules.py [--seed 0] [--json]

Fits the default model on 90 % of the training reviews (the split `train` uses for its
threshold), then scores the other 10 % and two sentences cut from each review (half the say
each): the n-gram model at 0.5, at the threshold chosen unweighted and with equal weights,
VADER alone, and the lexicon stack out of fold. This was `refapps imdb compare-rules`.
Never the test reviews, never the other sites' files. Write-up: README.md ("Second round").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

import numpy as np
from held_out import out_of_fold_probs

from apps.imdb.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.imdb.extras.options import fit_held_out, fitted_predictor
from apps.imdb.extras.threshold import (
    HeldOut,
    balanced_accuracy,
    choose_threshold,
    held_out_scores,
    sigmoid,
)
from apps.imdb.stack import lexicon_scores

VADER_CUT = 0.525  # the authors' compound >= 0.05, on the 0..1 scale


def row(name: str, probs: np.ndarray, held: HeldOut, threshold: float) -> dict[str, Any]:
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


def compare_rules(held: HeldOut, compound: np.ndarray, seed: int) -> list[dict[str, Any]]:
    """Every candidate rule on the held-out rows (the stack scored out of fold)."""
    probs = sigmoid(held.logits)
    labels, weights = held.labels, held.weights
    stacked = out_of_fold_probs(held.logits, compound, labels, weights, seed)
    return [
        row("n-grams, 0.5", probs, held, 0.5),
        row("n-grams, unweighted threshold", probs, held, choose_threshold(probs, labels)),
        row(
            "n-grams, equal-weight threshold",
            probs,
            held,
            choose_threshold(probs, labels, weights),
        ),
        row("VADER alone", (compound + 1.0) / 2.0, held, VADER_CUT),
        row("stack, 0.5 (out of fold)", stacked, held, 0.5),
        row(
            "stack, equal-weight threshold (out of fold)",
            stacked,
            held,
            choose_threshold(stacked, labels, weights),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-samples", type=int, default=None, help="a quick smoke run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_cfg, model_cfg = DataConfig(), ModelConfig()
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, seed=args.seed, max_samples=args.max_samples)
    model, loaders, meta = fit_held_out(data_cfg, model_cfg, train_cfg)
    held = held_out_scores(fitted_predictor(model, loaders, meta), loaders.val_reviews, args.seed)
    rows = compare_rules(held, lexicon_scores(held.texts), args.seed)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(" | ".join(rows[0]))
    for r in rows:
        print(" | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()))


if __name__ == "__main__":
    main()
