"""Front-end: the benchmark, CV on the training split for every model, then each on the test split.

    refapps bench titanic --json

Rows: `cv/accuracy` (mean over 5 folds x 3 repeats, with `std`) for the network and the
four classical models, and `test/accuracy` of each trained once on all 712 training rows.
The classical models use exactly the same fitted features, so the comparison is about
the model. Nothing here chooses anything: the defaults were chosen by `refapps titanic cv`.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from common.device import pick_device

from .config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from .data import read_splits
from .features import TARGET, fit_preprocessor
from .model import MODEL_NAME
from .train import train

TUTORIAL_ACCURACY = 0.810


def classical_test_rows(data_cfg: DataConfig, seed: int) -> list[dict[str, Any]]:
    """Each classical model fitted on the training split, scored once on the test split."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    from .extras.baselines import CLASSICAL, classical_model, classical_scores, threshold

    train_df, test_df = read_splits(data_cfg)
    rows = []
    for name in CLASSICAL:
        started = time.perf_counter()
        preprocessor = fit_preprocessor(train_df, data_cfg.features)
        x_train = preprocessor.transform(train_df, is_training=True, seed=seed)
        model = classical_model(name, seed).fit(x_train, train_df[TARGET])
        seconds = time.perf_counter() - started
        scores = classical_scores(model, preprocessor.transform(test_df))
        rows.append(
            {
                "model": name,
                "kind": "baseline",
                "value": float(accuracy_score(test_df[TARGET], scores > threshold(name))),
                "auroc": float(roc_auc_score(test_df[TARGET], scores)),
                "train_seconds": seconds,
                "samples_per_second": len(train_df) / seconds,
                "device": "cpu",
            }
        )
    return rows


def cv_rows(data_cfg: DataConfig, model_cfg: ModelConfig, quick: bool) -> list[dict[str, Any]]:
    """`cv/accuracy` rows of every model (5 folds x 3 repeats; 2 x 1 of 2 epochs when quick)."""
    from .extras.cv import cross_validate

    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=2) if quick else TRAIN_DEFAULTS
    folds, repeats = (2, 1) if quick else (5, 3)
    started = time.perf_counter()
    result = cross_validate(data_cfg, model_cfg, train_cfg, folds, repeats, write_run=False)
    cv_seconds = time.perf_counter() - started
    device = str(pick_device(train_cfg.device))
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
            "cv_seconds_all_models": cv_seconds,
            "device": device if row["model"] == MODEL_NAME else "cpu",
        }
        for row in result.rows
    ]


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    """CV rows for every model, then test-split rows (1 fold x 2 epochs when `quick`)."""
    data_cfg, model_cfg = DataConfig(), ModelConfig()
    train_cfg = TRAIN_DEFAULTS
    if quick:
        model_cfg = dataclasses.replace(model_cfg, num_models=1)
        train_cfg = dataclasses.replace(train_cfg, epochs=2)
    rows = cv_rows(data_cfg, model_cfg, quick)
    with tempfile.TemporaryDirectory() as runs_dir:
        train_cfg = dataclasses.replace(train_cfg, runs_dir=Path(runs_dir))
        result = train(data_cfg, model_cfg, train_cfg, progress=False)
    num_train = len(read_splits(data_cfg)[0])
    network = {
        "model": MODEL_NAME,
        "kind": "model",
        "value": result.metrics["test/accuracy"],
        "auroc": result.metrics["test/auroc"],
        "train_seconds": result.train_seconds,
        "samples_per_second": num_train * train_cfg.epochs / result.train_seconds,
        "device": str(pick_device(train_cfg.device)),
        "tutorial": TUTORIAL_ACCURACY,
    }
    test_rows = [network, *classical_test_rows(data_cfg, train_cfg.seed)]
    rows += [{"metric": "test/accuracy", **row} for row in test_rows]
    return [{"app": "titanic", "torch": torch.__version__, "tutorial": None, **row} for row in rows]
