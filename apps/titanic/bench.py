"""Benchmark: the default Titanic configuration over 5 seeds, next to logistic regression.

    refapps bench titanic --json

Logistic regression is fitted on exactly the same features (the same fitted
preprocessing), so the comparison is about the model, not the features.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from .config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import TARGET, csv_paths, fit_preprocessor, read_passengers
from .train import train

TUTORIAL_ACCURACY = 0.810
SEEDS = (0, 1, 2, 3, 4)


def logistic_regression_baseline(data_cfg: DataConfig) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    train_path, test_path = csv_paths(data_cfg)
    train_df = read_passengers(train_path, require_target=True)
    test_df = read_passengers(test_path, require_target=True)
    started = time.perf_counter()
    preprocessor = fit_preprocessor(train_df)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(
        preprocessor.transform(train_df), train_df[TARGET]
    )
    seconds = time.perf_counter() - started
    x_test = preprocessor.transform(test_df)
    return {
        "model": "logistic_regression",
        "kind": "baseline",
        "value": float(model.score(x_test, test_df[TARGET])),
        "auroc": float(roc_auc_score(test_df[TARGET], model.predict_proba(x_test)[:, 1])),
        "train_seconds": seconds,
        "samples_per_second": len(train_df) / seconds,
    }


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    """Train the default MLP for each seed (1 seed, 2 epochs when `quick`)."""
    data_cfg, model_cfg = DataConfig(), ModelConfig()
    seeds = SEEDS[:1] if quick else SEEDS
    results = []
    with tempfile.TemporaryDirectory() as runs_dir:
        for seed in seeds:
            train_cfg = dataclasses.replace(TRAIN_DEFAULTS, seed=seed, runs_dir=Path(runs_dir))
            if quick:
                train_cfg = dataclasses.replace(train_cfg, epochs=2)
            results.append(train(data_cfg, model_cfg, train_cfg, progress=False))
    first = results[0]
    num_train = len(read_passengers(csv_paths(data_cfg)[0], require_target=True))
    common = {
        "app": "titanic",
        "metric": "test/accuracy",
        "device": "cpu",
        "torch": torch.__version__,
    }
    model_row = {
        **common,
        "model": "TitanicMLP",
        "kind": "model",
        "value": first.test_metrics["test/accuracy"],
        "auroc": first.test_metrics["test/auroc"],
        "median_over_seeds": statistics.median(r.test_metrics["test/accuracy"] for r in results),
        "seeds": [round(r.test_metrics["test/accuracy"], 4) for r in results],
        "train_seconds": first.train_seconds,
        "samples_per_second": num_train * TRAIN_DEFAULTS.epochs / first.train_seconds,
        "tutorial": TUTORIAL_ACCURACY,
    }
    return [model_row, {**common, **logistic_regression_baseline(data_cfg), "tutorial": None}]
