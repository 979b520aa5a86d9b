"""Front-end: the benchmark, CV on the training split for every model, then each on the test split.

    refapps bench titanic --json

Rows: `cv/accuracy` (mean over 5 folds x 3 repeats x 3 seeds, with `std` and `se`) for the
network, the four classical models and the two rules, and `test/accuracy` of each trained
on all 712 training rows, the mean over 5 seeds with its `std` (the rules: one, no seed).
The classical models use exactly the same fitted features, so the comparison is about
the model. Nothing here chooses anything: the defaults were chosen by `refapps titanic cv`.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.device import pick_device

from .config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import read_splits
from .features import TARGET, fit_preprocessor
from .model import MODEL_NAME
from .train import train

TUTORIAL_ACCURACY = 0.810
TEST_SEEDS = 5  # test/accuracy is the mean over this many seeds, with its std
CV_SEEDS = 3


def spread(values: list[float]) -> dict[str, Any]:
    """`value` (mean), `std` (ddof=1; 0 for one value) and the number of seeds."""
    std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"value": float(np.mean(values)), "std": std, "seeds": len(values)}


def baseline_test_rows(data_cfg: DataConfig, seeds: list[int]) -> list[dict[str, Any]]:
    """Each classical model (per seed) and rule fitted on the training split, scored on test."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    from .extras.baselines import CLASSICAL, classical_model, classical_scores, threshold
    from .extras.rules import RULES

    train_df, test_df = read_splits(data_cfg)
    y_test, rows = test_df[TARGET], []
    for name in (*CLASSICAL, *RULES):
        accuracy, auroc, seconds = [], [], []
        for seed in seeds if name in CLASSICAL else seeds[:1]:  # the rules are deterministic
            started = time.perf_counter()
            if name in RULES:
                scores, cut = RULES[name](train_df, test_df.drop(columns=[TARGET])), 0.5
            else:
                preprocessor = fit_preprocessor(train_df, data_cfg.features)
                x_train = preprocessor.transform(train_df, is_training=True, seed=seed)
                model = classical_model(name, seed).fit(x_train, train_df[TARGET])
                scores = classical_scores(model, preprocessor.transform(test_df))
                cut = threshold(name)
            seconds.append(time.perf_counter() - started)
            accuracy.append(float(accuracy_score(y_test, scores > cut)))
            auroc.append(float(roc_auc_score(y_test, scores)))
        rows.append(
            {"model": name, "kind": "baseline", **spread(accuracy), "auroc": np.mean(auroc)}
            | {"train_seconds": np.mean(seconds), "samples_per_second": len(train_df) / seconds[0]}
            | {"device": "cpu"}
        )
    return rows


def network_test_row(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: Any, seeds: list[int]
) -> dict[str, Any]:
    """The default network trained once per seed on the training split, scored on test."""
    results = []
    with tempfile.TemporaryDirectory() as runs_dir:
        for seed in seeds:
            cfg = dataclasses.replace(train_cfg, runs_dir=Path(runs_dir), seed=seed)
            results.append(train(data_cfg, model_cfg, cfg, progress=False))
    seconds = float(np.mean([r.train_seconds for r in results]))
    num_train = len(read_splits(data_cfg)[0])
    return {
        "model": MODEL_NAME,
        "kind": "model",
        **spread([r.metrics["test/accuracy"] for r in results]),
        "auroc": float(np.mean([r.metrics["test/auroc"] for r in results])),
        "train_seconds": seconds,
        "samples_per_second": num_train * train_cfg.epochs / seconds,
        "device": str(pick_device(train_cfg.device)),
        "tutorial": TUTORIAL_ACCURACY,
    }


def cv_rows(data_cfg: DataConfig, model_cfg: ModelConfig, quick: bool) -> list[dict[str, Any]]:
    """`cv/accuracy` rows of every model and rule (5 folds x 3 repeats x 3 seeds)."""
    from .extras.cv import cross_validate, paired_difference

    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=2) if quick else TRAIN_DEFAULTS
    folds, repeats, seeds = (2, 1, 1) if quick else (5, 3, CV_SEEDS)
    started = time.perf_counter()
    result = cross_validate(
        data_cfg, model_cfg, train_cfg, folds, repeats, write_run=False, num_seeds=seeds
    )
    cv_seconds = time.perf_counter() - started
    device = str(pick_device(train_cfg.device))
    paired = {  # the network's lead over each baseline, paired over the splits, and its SE
        row["model"]: dict(
            zip(
                ("network_minus", "network_minus_se"),
                paired_difference(result.folds, MODEL_NAME, row["model"]),
                strict=True,
            )
        )
        for row in result.rows
        if row["model"] != MODEL_NAME
    }
    return [
        {
            "model": row["model"],
            "kind": row["kind"],
            "metric": "cv/accuracy",
            "value": row["cv/accuracy"],
            "std": row["cv/accuracy_std"],
            "se": row["cv/accuracy_se"],
            "auroc": row["cv/auroc"],
            "auroc_std": row["cv/auroc_std"],
            "train_seconds": row["fit_seconds"],
            "samples_per_second": None,
            "folds": f"{folds}x{repeats}",
            "seeds": seeds,
            "cv_seconds_all_models": cv_seconds,
            "device": device if row["model"] == MODEL_NAME else "cpu",
            **paired.get(row["model"], {}),
        }
        for row in result.rows
    ]


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    """CV rows for every model, then test-split rows (1 fold x 2 epochs, 1 seed when `quick`)."""
    data_cfg, model_cfg, train_cfg = DataConfig(), ModelConfig(), TRAIN_DEFAULTS
    if quick:
        train_cfg = dataclasses.replace(train_cfg, epochs=2)
    rows = cv_rows(data_cfg, model_cfg, quick)
    seeds = [train_cfg.seed + k for k in range(1 if quick else TEST_SEEDS)]
    network = network_test_row(data_cfg, model_cfg, train_cfg, seeds)
    test_rows = [network, *baseline_test_rows(data_cfg, seeds)]
    rows += [{"metric": "test/accuracy", **row} for row in test_rows]
    return [{"app": "titanic", "torch": torch.__version__, "tutorial": None, **row} for row in rows]
