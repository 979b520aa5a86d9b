"""`refapps titanic cv`: repeated stratified k-fold on the training split, never the test split.

    refapps titanic cv                        # 5 folds x 3 repeats, every model, cv.json
    refapps titanic cv --num-models 5 --hidden 32

Each fold fits its own preprocessing (medians, scaling, ticket and mate counts) on the
fold's training rows only, then trains the app's network and the classical models
(baselines.py) on the same features and the two rules (rules.py), and scores them on the
held-out rows, whose outcomes no model sees. `--seeds N` trains each split's models N times.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from common.config import TrainConfig
from common.device import fixed_threads, seed_everything
from common.errors import UserError
from common.runs import new_run_dir, write_config
from common.training.options import LoopOptions

from ..config import APP, DataConfig, ModelConfig
from ..csv_files import read_passengers
from ..data import csv_paths
from ..features import TARGET, fit_preprocessor
from ..model import MODEL_NAME, build_model, model_args
from ..train import fit_network
from .baselines import CLASSICAL, classical_model, classical_scores, threshold
from .ensemble import fit_other_members
from .rules import RULES

NETWORK = MODEL_NAME
MODELS = (NETWORK, *CLASSICAL, *RULES)


@dataclass
class CvResult:
    run_dir: Path | None
    rows: list[dict[str, Any]]  # one per model: mean, std and standard error of each metric
    folds: list[dict[str, Any]]  # one per (fold, model)


def cv_splits(
    labels: np.ndarray, num_folds: int = 5, num_repeats: int = 3, seed: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train indices, held-out indices) of repeated stratified k-fold, seeded."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold(n_splits=num_folds, n_repeats=num_repeats, random_state=seed)
    yield from splitter.split(np.zeros(len(labels)), labels)


def check_folds(labels: np.ndarray, num_folds: int, source: str) -> None:
    """Refuse a fold count that a class cannot fill: stratified folds need k of each class."""
    survived, died = int((labels == 1).sum()), int((labels == 0).sum())
    fewest = min(survived, died)
    if fewest >= num_folds:
        return
    fix = f"use --folds {fewest} or fewer, or " if fewest >= 2 else ""
    raise UserError(
        f"{source}: {survived} passengers survived and {died} died, but --folds {num_folds} "
        f"needs at least {num_folds} of each; {fix}give a training file with more passengers."
    )


def network_probs(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
) -> np.ndarray:
    """Train the app's network exactly as `train` does (no metrics, no files); test probs."""
    x, y = torch.from_numpy(x_train), torch.from_numpy(y_train.astype(np.float32))
    generator = seed_everything(train_cfg.seed)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=train_cfg.batch_size, shuffle=True, generator=generator
    )
    args = model_args(model_cfg, x.shape[1])
    model = build_model(args)
    options = LoopOptions(monitor=None, progress=False, scheduler_interval="step")
    seed_everything(train_cfg.seed)
    loader.generator.manual_seed(train_cfg.seed)
    val_loader = [(x[:1], y[:1])]  # the loop validates every epoch; one row keeps that cheap
    fit_network(model.members[0], loader, val_loader, train_cfg, options, metrics=None)
    fit_other_members(model, args, loader, val_loader, train_cfg, options)
    with torch.no_grad():
        return torch.sigmoid(model.eval()(torch.from_numpy(x_test))).numpy()


def fold_scores(
    train_df: pd.DataFrame,
    held_df: pd.DataFrame,
    models: tuple[str, ...],
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
) -> list[dict[str, Any]]:
    """Fit the preprocessing on this fold's training rows, then score every model.

    The models see the held-out passengers without their outcome, which is only scored.
    """
    from sklearn.metrics import accuracy_score, roc_auc_score

    held, y_held = held_df.drop(columns=[TARGET]), held_df[TARGET].to_numpy()
    preprocessor = fit_preprocessor(train_df, data_cfg.features)
    x_train = preprocessor.transform(train_df, is_training=True, seed=train_cfg.seed)
    x_held, y_train = preprocessor.transform(held), train_df[TARGET].to_numpy()
    rows = []
    for name in models:
        started = time.perf_counter()
        if name == NETWORK:
            scores, cut = network_probs(x_train, y_train, x_held, model_cfg, train_cfg), 0.5
        elif name in RULES:
            scores, cut = RULES[name](train_df, held).astype(float), 0.5
        else:
            fitted = classical_model(name, train_cfg.seed).fit(x_train, y_train)
            scores, cut = classical_scores(fitted, x_held), threshold(name)
        rows.append(
            {
                "model": name,
                "accuracy": float(accuracy_score(y_held, scores > cut)),
                "auroc": float(roc_auc_score(y_held, scores)),
                "fit_seconds": time.perf_counter() - started,
            }
        )
    return rows


def split_means(folds: list[dict[str, Any]], name: str, metric: str) -> np.ndarray:
    """One value per split: `name`'s `metric` averaged over the seeds of that split."""
    mine = pd.DataFrame([f for f in folds if f["model"] == name])
    return mine.groupby("fold")[metric].mean().to_numpy()


def summarize(folds: list[dict[str, Any]], models: tuple[str, ...]) -> list[dict[str, Any]]:
    """Mean and std (ddof=1) over every split and seed; standard error over the splits.

    The standard error is the std of the per-split means (seeds averaged) / sqrt(splits):
    a rule scored once per split and a network scored once per seed are on one footing.
    """
    rows = []
    for name in models:
        mine = [f for f in folds if f["model"] == name]
        row: dict[str, Any] = {"model": name, "kind": "model" if name == NETWORK else "baseline"}
        for metric in ("accuracy", "auroc"):
            values, per_split = (
                np.array([f[metric] for f in mine]),
                split_means(folds, name, metric),
            )
            row[f"cv/{metric}"] = float(values.mean())
            row[f"cv/{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            spread = float(per_split.std(ddof=1)) if len(per_split) > 1 else 0.0
            row[f"cv/{metric}_se"] = spread / math.sqrt(len(per_split))
        row["num_scores"] = len(mine)
        row["fit_seconds"] = float(np.mean([f["fit_seconds"] for f in mine]))
        rows.append(row)
    return rows


def paired_difference(folds: list[dict[str, Any]], first: str, second: str) -> tuple[float, float]:
    """Mean accuracy of `first` minus `second`, and its standard error, paired over splits."""
    diff = split_means(folds, first, "accuracy") - split_means(folds, second, "accuracy")
    se = float(diff.std(ddof=1)) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
    return float(diff.mean()), se


def cross_validate(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    num_folds: int = 5,
    num_repeats: int = 3,
    models: tuple[str, ...] = MODELS,
    write_run: bool = True,
    on_fold: Callable[[], None] | None = None,
    num_seeds: int = 1,
) -> CvResult:
    """Repeated stratified k-fold on the TRAINING split only; the test split is never read.

    The splits come from `train_cfg.seed`; the models of each split are trained with the
    seeds `train_cfg.seed + k` for k < `num_seeds` (the rules, deterministic, once).
    """
    train_path = data_cfg.train_csv or csv_paths(data_cfg)[0]
    train_df = read_passengers(train_path, require_target=True).reset_index(drop=True)
    labels = train_df[TARGET].to_numpy()
    check_folds(labels, num_folds, str(train_path))
    folds = []
    with fixed_threads(train_cfg.num_threads):
        splits = cv_splits(labels, num_folds, num_repeats, train_cfg.seed)
        for index, (train_idx, held_idx) in enumerate(splits):
            for k in range(num_seeds):
                seeded = dataclasses.replace(train_cfg, seed=train_cfg.seed + k)
                mine = models if k == 0 else tuple(m for m in models if m not in RULES)
                parts = (train_df.iloc[train_idx], train_df.iloc[held_idx], mine)
                fold = fold_scores(*parts, data_cfg, model_cfg, seeded)
                folds += [{"fold": index, "seed": seeded.seed, **row} for row in fold]
                if on_fold is not None:
                    on_fold()
    rows = summarize(folds, models)
    run_dir = None
    if write_run:
        from common.files import write_json

        run_dir = new_run_dir(train_cfg.runs_dir, f"{APP}_cv")
        write_config(run_dir, f"{APP}_cv", data=data_cfg, model=model_cfg, train=train_cfg)
        cv_setup = {"num_folds": num_folds, "num_repeats": num_repeats, "seed": train_cfg.seed}
        cv_setup["num_seeds"] = num_seeds
        write_json(run_dir / "cv.json", {**cv_setup, "models": rows, "folds": folds})
    return CvResult(run_dir, rows, folds)
