"""Front-end: the benchmark: the default model, the tutorial's CNN and three baselines.

    refapps bench imdb --json

Every trained row learns from the 25,000 training reviews and is scored on the 25,000 test
reviews (`test/accuracy`), on the short review sentences of two other sites in
`REFAPPS_DATA/imdb/other_reviews/` (`yelp/*`, `amazon/*`: accuracy, positive rate, per-class
accuracy), which are only ever scored, never trained or tuned on, and on the customer-review
sentences of `REFAPPS_DATA/imdb/select/` (`cr/balanced_accuracy`), a set for choosing
defaults (studies/imdb), never trained on. `train_seconds` of the neural rows covers
reading the cached corpus, tokenising, features, the held-out fit and training; the
baselines' covers vectorising. Reviews/s are given for training
(`samples_per_second`) and prediction (`predict_reviews_per_second`, 2,000 test reviews
in calls of 500, so VADER's scores are computed, not read from its cache).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.data import data_root

from .config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import Reviews, load_split
from .dispatch import open_predictor, train_for
from .review_files import read_bytes

TUTORIAL_ACCURACY = 0.813  # the tutorial's CNN on its own 20,000 / 5,000 split
TUTORIAL_EPOCHS = 2  # held-out train: best at epoch 2, then it overfits
TUTORIAL_VOCAB = 20_000  # held-out train: less to memorise than 60,000 words
TUTORIAL_TRAIN = {"lr": 2e-3, "batch_size": 64, "weight_decay": 0.05}  # 0.02 stalls it
OTHER_SETS = {
    "yelp": "other_reviews/yelp_labelled.txt",  # evaluation only
    "amazon": "other_reviews/amazon_cells_labelled.txt",  # evaluation only
    "cr": "select/customer_reviews.csv",  # a set for choosing, never trained on
}
BALANCED = {"cr"}
SPEED_REVIEWS, SPEED_CALL = (
    2000,
    500,
)  # prediction speed: test reviews, 500 a call  # 64 % positive: scored by balanced accuracy


def other_sets() -> dict[str, Reviews]:
    """The mirrored short review sets from other sites that are present."""
    from .extras.other_reviews import read_labelled

    folder = data_root() / "imdb"
    return {
        name: read_labelled(read_bytes(folder / path), Path(path).name)
        for name, path in OTHER_SETS.items()
        if (folder / path).is_file()
    }


def score_rows(
    base: dict[str, Any],
    predict_proba: Callable[[list[str]], np.ndarray],
    threshold: float,
    sets: dict[str, Reviews],
) -> list[dict[str, Any]]:
    """`{set}/accuracy` (per-class accuracy beside it) and `{set}/positive_rate` rows;
    `cr/balanced_accuracy` (accuracy and positive rate beside it) for the choosing set."""
    from .extras.other_reviews import label_metrics

    rows = []
    for name, reviews in sets.items():
        scores = label_metrics(predict_proba(reviews.texts), reviews.labels, name, threshold)
        per_class = {
            f"{c}_accuracy": scores[f"{name}/{c}_accuracy"] for c in ("negative", "positive")
        }
        if name in BALANCED:
            balanced = float(np.mean(list(per_class.values())))
            extra = {k: scores[f"{name}/{k}"] for k in ("accuracy", "positive_rate")}
            rows.append(base | {"metric": f"{name}/balanced_accuracy", "value": balanced} | extra)
            continue
        rows.append(base | {"metric": f"{name}/accuracy", "value": scores[f"{name}/accuracy"]})
        rows[-1] |= per_class
        rows.append(
            base | {"metric": f"{name}/positive_rate", "value": scores[f"{name}/positive_rate"]}
        )
    return rows


def in_domain_row(
    base: dict[str, Any],
    predict_proba: Callable[[list[str]], np.ndarray],
    threshold: float,
    test: Reviews,
) -> dict[str, Any]:
    from sklearn.metrics import f1_score, roc_auc_score

    probs = predict_proba(test.texts)
    timed = test.texts[:SPEED_REVIEWS]  # in small calls: nothing comes from the VADER cache
    started = time.perf_counter()
    for i in range(0, len(timed), SPEED_CALL):
        predict_proba(timed[i : i + SPEED_CALL])
    seconds = time.perf_counter() - started
    return base | {
        "metric": "test/accuracy",
        "value": float(((probs >= threshold) == test.labels).mean()),
        "auroc": float(roc_auc_score(test.labels, probs)),
        "f1": float(f1_score(test.labels, probs >= threshold)),
        "predict_reviews_per_second": len(timed) / seconds,
        "threshold": threshold,
    }


def neural_rows(
    model_cfg: ModelConfig, data_cfg: DataConfig, runs_dir: Path, quick: bool, **overrides: Any
) -> list[dict[str, Any]]:
    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS, runs_dir=runs_dir, max_samples=64 if quick else None, **overrides
    )
    result = train_for(data_cfg, model_cfg)(data_cfg, model_cfg, train_cfg, progress=False)
    predictor = open_predictor(result.run_dir)

    def predict_proba(texts: list[str]) -> np.ndarray:
        return predictor.predict_logits(texts).sigmoid().numpy()

    num_train = min(len(load_split("train").labels), train_cfg.max_samples or 10**9)
    base = {
        "model": model_cfg.name,
        "kind": "model",
        "train_seconds": result.train_seconds,
        "samples_per_second": num_train * train_cfg.epochs / result.train_seconds,
        "epochs": train_cfg.epochs,
        "device": str(torch.device("cuda" if torch.cuda.is_available() else "cpu")),
        "tutorial": TUTORIAL_ACCURACY,
    }
    test = load_split("test")
    if quick:
        test = test.take(np.r_[:32, len(test.labels) - 32 : len(test.labels)])
    th = predictor.threshold
    return [
        in_domain_row(base, predict_proba, th, test),
        *score_rows(base, predict_proba, th, other_sets()),
    ]


def baseline_rows(train_reviews: Reviews, test: Reviews, quick: bool) -> list[dict[str, Any]]:
    from .extras.baselines import VADER_THRESHOLD, fit_linear, vader

    rows = []
    for name in ("tfidf_logreg", "nbsvm_logreg"):
        model = fit_linear(name, train_reviews, 1 if quick else 2)
        base = {
            "model": name,
            "kind": "baseline",
            "train_seconds": model.train_seconds,
            "samples_per_second": len(train_reviews.labels) / (model.train_seconds or 1.0),
            "device": "cpu",
            "tutorial": None,
        }
        rows.append(in_domain_row(base, model.predict_proba, 0.5, test))
        rows += score_rows(base, model.predict_proba, 0.5, other_sets())
    lexicon = vader()  # no training; the test reviews' scores are cached by the default's run
    base = {"model": "vader", "kind": "baseline", "device": "cpu", "tutorial": None}
    rows.append(in_domain_row(base, lexicon.predict_proba, VADER_THRESHOLD, test))
    rows += score_rows(base, lexicon.predict_proba, VADER_THRESHOLD, other_sets())
    return rows


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    """Default model, tutorial CNN and the baselines (tiny and 1 epoch when `quick`)."""
    data_cfg = DataConfig()
    if quick:
        data_cfg = DataConfig(vocab_size=200, min_frequency=1, max_tokens=64)
    common = {"app": "imdb", "torch": torch.__version__}
    rows = []
    with tempfile.TemporaryDirectory() as runs_dir:
        default = ModelConfig(num_buckets=1009, min_ngram_reviews=1) if quick else ModelConfig()
        rows += neural_rows(default, data_cfg, Path(runs_dir), quick)
        tutorial = ModelConfig(name="tutorial_cnn", embed_dim=8 if quick else 128)
        tutorial_data = dataclasses.replace(
            data_cfg, vocab_size=data_cfg.vocab_size if quick else TUTORIAL_VOCAB
        )
        epochs = 1 if quick else TUTORIAL_EPOCHS
        rows += neural_rows(
            tutorial, tutorial_data, Path(runs_dir), quick, epochs=epochs, **TUTORIAL_TRAIN
        )
    rows += baseline_rows(load_split("train"), load_split("test"), quick)
    return [common | row for row in rows]
