"""Study: the stack's numbers fitted on IMDB held-out train and CR (README.md, fifth round).

    REFAPPS_DATA=../shared/data python studies/imdb/stack_on_cr.py [--seed 0] [--json] [--no-cnn]

Fits `ngram_nb` on the same 90 % of the training reviews that `train` uses, then compares
stacks of its logit and VADER's score fitted on the held-out 10 % alone (B, the default) or
on the held-out 10 % and the CR choosing set together (E), one such stack per text length
(H, sixth round), character n-grams (F) and a stack that adds `tutorial_cnn`'s logit (G,
reported only). Every stack is scored out of fold.
Never the test reviews, never the Yelp/Amazon files; no model is trained on CR.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

import numpy as np
from choose_on_cr import choosing_set, correct, fit_candidate, table
from sklearn.linear_model import LogisticRegression

from apps.imdb.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.imdb.data import load_split, split_train_val, take_ends
from apps.imdb.extras.options import fit_held_out, fitted_predictor
from apps.imdb.stack import lexicon_scores

FOLDS = 5
SHORT_WORDS = 50  # H: texts under this many words get the short texts' stack


def fit_lr(x: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> LogisticRegression:
    """The stack's fit (`apps.imdb.stack.fit_stack`), for any number of inputs."""
    weights = weights * len(weights) / weights.sum()
    return LogisticRegression(C=1.0).fit(x, labels, sample_weight=weights)


def cr_weights(labels: np.ndarray) -> np.ndarray:
    """CR rows: positive and negative sentences a quarter of the say each."""
    return np.where(labels == 1, 0.25 / (labels == 1).sum(), 0.25 / (labels == 0).sum())


def out_of_fold(
    x_imdb: np.ndarray,
    held: Any,
    x_cr: np.ndarray,
    cr_labels: np.ndarray,
    with_cr: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    """P(positive) of every IMDB and CR row from a stack fitted without the row's fold."""
    imdb_folds = np.random.default_rng(seed).integers(0, FOLDS, len(held.labels))
    cr_folds = np.random.default_rng(seed + 1).integers(0, FOLDS, len(cr_labels))
    w_imdb, w_cr = held.weights * (0.5 if with_cr else 1.0), cr_weights(cr_labels)

    def fit(imdb_rows: np.ndarray, cr_rows: np.ndarray) -> LogisticRegression:
        if not with_cr:
            return fit_lr(x_imdb[imdb_rows], held.labels[imdb_rows], w_imdb[imdb_rows])
        x = np.vstack([x_imdb[imdb_rows], x_cr[cr_rows]])
        y = np.concatenate([held.labels[imdb_rows], cr_labels[cr_rows]])
        return fit_lr(x, y, np.concatenate([w_imdb[imdb_rows], w_cr[cr_rows]]))

    p_imdb, p_cr = np.zeros(len(held.labels)), np.zeros(len(cr_labels))
    full = fit(np.ones(len(held.labels), bool), np.ones(len(cr_labels), bool))
    for k in range(FOLDS):
        stack = fit(imdb_folds != k, cr_folds != k)
        p_imdb[imdb_folds == k] = stack.predict_proba(x_imdb[imdb_folds == k])[:, 1]
        if with_cr:
            p_cr[cr_folds == k] = stack.predict_proba(x_cr[cr_folds == k])[:, 1]
    if not with_cr:  # the stack never sees CR: every CR row is scored by the full fit
        p_cr = full.predict_proba(x_cr)[:, 1]
    return p_imdb, p_cr, full


def out_of_fold_by_length(
    x_imdb: np.ndarray, held: Any, x_cr: np.ndarray, cr: Any, seed: int
) -> tuple[np.ndarray, np.ndarray, list[LogisticRegression]]:
    """H: E's rows and weights, one stack for texts under `SHORT_WORDS` words, one for the rest."""
    imdb_folds = np.random.default_rng(seed).integers(0, FOLDS, len(held.labels))
    cr_folds = np.random.default_rng(seed + 1).integers(0, FOLDS, len(cr.labels))
    x, y = np.vstack([x_imdb, x_cr]), np.concatenate([held.labels, cr.labels])
    weights = np.concatenate([held.weights * 0.5, cr_weights(cr.labels)])
    folds = np.concatenate([imdb_folds, cr_folds])
    short = np.array([len(t.split()) < SHORT_WORDS for t in held.texts + cr.texts])
    probs = np.zeros(len(y))
    for k in range(FOLDS):
        for group in (short, ~short):
            fit_rows, rows = (folds != k) & group, (folds == k) & group
            probs[rows] = fit_lr(x[fit_rows], y[fit_rows], weights[fit_rows]).predict_proba(
                x[rows]
            )[:, 1]
    full = [fit_lr(x[g], y[g], weights[g]) for g in (short, ~short)]
    return probs[: len(held.labels)], probs[len(held.labels) :], full


def char_ngrams(seed: int, max_samples: int | None, held: Any, cr_texts: list[str]) -> Any:
    """F: TF-IDF LR on words 1-2 and char_wb 2-5, fitted on the 90 %; (P held, P CR)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    cfg = DataConfig(val_fraction=DataConfig().threshold_fraction)
    reviews = take_ends(load_split("train"), max_samples)
    train, _ = split_train_val(reviews, cfg.val_fraction, seed)
    clean = [t.replace("<br />", " ") for t in train.texts]
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=400_000)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=400_000)
    x = hstack([words.fit_transform(clean), chars.fit_transform(clean)]).tocsr()
    model = LogisticRegression(C=8.0, max_iter=1000).fit(x, train.labels)

    def proba(texts: list[str]) -> np.ndarray:
        texts = [t.replace("<br />", " ") for t in texts]
        return model.predict_proba(hstack([words.transform(texts), chars.transform(texts)]))[:, 1]

    return proba(held.texts), proba(cr_texts)


def cnn_logits(seed: int, max_samples: int | None, texts: list[str]) -> np.ndarray:
    """G's third input: tutorial_cnn (bench settings) fitted on the 90 %, logits of `texts`."""
    data_cfg = DataConfig(vocab_size=20_000)
    model_cfg = ModelConfig(name="tutorial_cnn", embed_dim=128)
    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS, seed=seed, max_samples=max_samples, epochs=2, lr=2e-3, batch_size=64
    )
    train_cfg = dataclasses.replace(train_cfg, weight_decay=0.05)
    model, loaders, meta = fit_held_out(data_cfg, model_cfg, train_cfg)
    predictor = fitted_predictor(model, loaders, meta)
    return predictor.predict_logits(texts).double().numpy()


def candidates(seed: int, max_samples: int | None, with_cnn: bool) -> dict[str, Any]:
    """Per candidate: IMDB held-out reviews right/wrong and CR sentences right/wrong."""
    base = fit_candidate(0, seed, max_samples)
    held, cr = base["held"], choosing_set()
    n = held.num_reviews
    x_imdb = np.column_stack([held.logits, lexicon_scores(held.texts)])
    x_cr = np.column_stack([base["cr_logits"].astype(np.float64), lexicon_scores(cr.texts)])
    out: dict[str, Any] = {}
    for name, with_cr in (("B stack on IMDB (default)", False), ("E stack on IMDB + CR", True)):
        p_imdb, p_cr, full = out_of_fold(x_imdb, held, x_cr, cr.labels, with_cr, seed)
        out[name] = {
            "imdb": correct(p_imdb, held.labels, 0.5)[:n],
            "cr": correct(p_cr, cr.labels, 0.5),
            "weights": [*full.coef_[0].tolist(), float(full.intercept_[0])],
        }
    p_imdb, p_cr, stacks = out_of_fold_by_length(x_imdb, held, x_cr, cr, seed)
    out["H a stack per length"] = {
        "imdb": correct(p_imdb, held.labels, 0.5)[:n],
        "cr": correct(p_cr, cr.labels, 0.5),
        "weights": [[*s.coef_[0].tolist(), float(s.intercept_[0])] for s in stacks],
    }
    f_held, f_cr = char_ngrams(seed, max_samples, held, cr.texts)
    out["F char n-grams"] = {
        "imdb": correct(f_held, held.labels, 0.5)[:n],
        "cr": correct(f_cr, cr.labels, 0.5),
    }
    if with_cnn:
        logits = cnn_logits(seed, max_samples, held.texts + cr.texts)
        x3_imdb = np.column_stack([x_imdb, logits[: len(held.labels)]])
        x3_cr = np.column_stack([x_cr, logits[len(held.labels) :]])
        p_imdb, p_cr, full = out_of_fold(x3_imdb, held, x3_cr, cr.labels, True, seed)
        out["G stack + tutorial_cnn (reported only)"] = {
            "imdb": correct(p_imdb, held.labels, 0.5)[:n],
            "cr": correct(p_cr, cr.labels, 0.5),
            "weights": [*full.coef_[0].tolist(), float(full.intercept_[0])],
            "eligible": False,
        }
    return out | {"_labels": {"imdb": held.labels[:n], "cr": cr.labels}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-samples", type=int, default=None, help="a quick smoke run")
    parser.add_argument("--no-cnn", action="store_true", help="skip G (the slow one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = table(candidates(args.seed, args.max_samples, not args.no_cnn))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(
            f"{r['candidate']:40s} IMDB held-out {r['imdb_held_out_accuracy']:.4f}  CR balanced "
            f"{r['cr_balanced_accuracy']:.4f}  score {r['score']:.4f}  gain "
            f"{r['gain_over_default']:+.4f} (SE {r['gain_se']:.4f})  chosen: {r['chosen']}"
        )


if __name__ == "__main__":
    main()
