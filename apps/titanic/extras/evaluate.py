"""refapps titanic evaluate [--run-dir RUN] [--test-csv FILE]: a finished run scored again.

    refapps titanic evaluate --test-csv other_passengers.csv

Reloads the run as `predict` does and scores its test CSV (or another labelled CSV): the
metrics of training plus the confusion matrix, also written to the run's evaluation.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torchmetrics.functional.classification import binary_confusion_matrix

from common.files import write_json
from common.metrics import score
from common.runs import read_config, restore_config

from ..config import DataConfig
from ..csv_files import read_passengers
from ..data import csv_paths
from ..features import TARGET
from ..predict import load_predictor
from ..train import make_metrics


def evaluate(run_dir: Path, test_csv: Path | None = None) -> dict[str, Any]:
    """Accuracy, ROC AUC, precision, recall, F1 and the confusion matrix on the test split."""
    predictor = load_predictor(run_dir)
    saved = restore_config(DataConfig, read_config(run_dir)["data"])
    path = test_csv or csv_paths(saved)[1]
    df = read_passengers(path, require_target=True)
    logits = predictor.predict_logits(df)
    targets = torch.tensor(df[TARGET].to_numpy())
    result: dict[str, Any] = score(make_metrics(), logits, targets)
    matrix = binary_confusion_matrix(logits.sigmoid(), targets).tolist()
    rows, cols = "true died, true survived", "predicted died, predicted survived"
    result["confusion_matrix"] = {"rows": rows, "cols": cols, "values": matrix}
    result["num_samples"] = len(df)
    write_json(run_dir / "evaluation.json", result)
    return result
