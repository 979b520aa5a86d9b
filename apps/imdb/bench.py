"""Benchmark: the default model, the tutorial's CNN, and the classical baselines side by side.

    refapps bench imdb --json

Every row trains on the 25,000 training reviews and scores the 25,000 test reviews.
`train_seconds` of the neural rows includes reading the cached corpus, training the
tokenizer, encoding, building n-gram features and training; the baselines' seconds include
vectorising. The two baselines are what a practitioner would try first: TF-IDF uni+bigram
logistic regression, and NBSVM-style logistic regression (Wang & Manning 2012).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import Reviews, load_split
from .train import train

TUTORIAL_ACCURACY = 0.813  # the tutorial's CNN on its own 20,000 / 5,000 split
TUTORIAL_EPOCHS = 2  # held-out train: best at epoch 2, then it overfits
TUTORIAL_VOCAB = 20_000  # held-out train: less to memorise than 60,000 words
TUTORIAL_TRAIN = {"lr": 2e-3, "batch_size": 64, "weight_decay": 0.05}  # 0.02 stalls it


def neural_row(
    model_cfg: ModelConfig,
    data_cfg: DataConfig,
    epochs: int,
    runs_dir: Path,
    quick: bool,
    **overrides: Any,
) -> dict[str, Any]:
    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS,
        epochs=epochs,
        runs_dir=runs_dir,
        max_samples=64 if quick else None,
        **overrides,
    )
    result = train(data_cfg, model_cfg, train_cfg, progress=False)
    num_train = len(load_split(data_cfg, "train").labels)
    return {
        "model": model_cfg.name,
        "kind": "model",
        "value": result.test_metrics["test/accuracy"],
        "auroc": result.test_metrics["test/auroc"],
        "f1": result.test_metrics["test/f1"],
        "train_seconds": result.train_seconds,
        "samples_per_second": min(num_train, train_cfg.max_samples or num_train)
        * epochs
        / result.train_seconds,
        "epochs": epochs,
        "device": str(torch.device("cuda" if torch.cuda.is_available() else "cpu")),
    }


def baseline_row(name: str, train: Reviews, test: Reviews, min_df: int) -> dict[str, Any]:
    """TF-IDF + logistic regression, or NBSVM (binary counts scaled by NB log-count ratios)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    started = time.perf_counter()
    texts = [t.replace("<br />", " ") for t in train.texts]
    test_texts = [t.replace("<br />", " ") for t in test.texts]
    if name == "tfidf_logreg":
        vectorizer: Any = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=400_000)
        x, c, scale = vectorizer.fit_transform(texts), 8.0, None
    else:
        vectorizer = CountVectorizer(ngram_range=(1, 2), min_df=min_df, binary=True)
        x = vectorizer.fit_transform(texts)
        pos = np.asarray(x[train.labels == 1].sum(0)).ravel() + 1.0
        neg = np.asarray(x[train.labels == 0].sum(0)).ravel() + 1.0
        scale = np.log((pos / pos.sum()) / (neg / neg.sum()))
        x, c = x.multiply(scale).tocsr(), 0.1
    model = LogisticRegression(C=c, max_iter=1000).fit(x, train.labels)
    seconds = time.perf_counter() - started
    x_test = vectorizer.transform(test_texts)
    if scale is not None:
        x_test = x_test.multiply(scale).tocsr()
    probs = model.predict_proba(x_test)[:, 1]
    return {
        "model": name,
        "kind": "baseline",
        "value": float(((probs >= 0.5) == test.labels).mean()),
        "auroc": float(roc_auc_score(test.labels, probs)),
        "f1": float(f1_score(test.labels, probs >= 0.5)),
        "train_seconds": seconds,
        "samples_per_second": len(train.labels) / seconds,
        "device": "cpu",
    }


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    """Default model, tutorial CNN and both baselines (tiny and 1 epoch when `quick`)."""
    data_cfg = DataConfig()
    if quick:
        data_cfg = DataConfig(vocab_size=200, min_frequency=1, max_tokens=64)
    common = {"app": "imdb", "metric": "test/accuracy", "torch": torch.__version__}
    rows = []
    with tempfile.TemporaryDirectory() as runs_dir:
        default = ModelConfig(num_buckets=1009, min_ngram_reviews=1) if quick else ModelConfig()
        rows.append(
            neural_row(default, data_cfg, TRAIN_DEFAULTS.epochs, Path(runs_dir), quick)
            | {"tutorial": TUTORIAL_ACCURACY}
        )
        tutorial = ModelConfig(name="tutorial_cnn", embed_dim=8 if quick else 128)
        rows.append(
            neural_row(
                tutorial,
                data_cfg if quick else dataclasses.replace(data_cfg, vocab_size=TUTORIAL_VOCAB),
                1 if quick else TUTORIAL_EPOCHS,
                Path(runs_dir),
                quick,
                **TUTORIAL_TRAIN,
            )
            | {"tutorial": TUTORIAL_ACCURACY}
        )
    train_reviews, test_reviews = load_split(data_cfg, "train"), load_split(data_cfg, "test")
    for name in ("tfidf_logreg", "nbsvm_logreg"):
        rows.append(
            baseline_row(name, train_reviews, test_reviews, 1 if quick else 2) | {"tutorial": None}
        )
    return [common | row for row in rows]
