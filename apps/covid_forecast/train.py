"""Steps 3 and 4 of 6, train and evaluate: fit the tutorial's LSTM ensemble, score it in-sample.

    refapps covid_forecast train                   # class-style loop, as in the tutorial
    refapps covid_forecast train --loop script     # the same result, written out flat

A run folder gets config.json, model.safetensors + model.json (with the fitted log-scaler),
last.pt, history.csv, curves.png and metrics.json. The metrics are in-sample (the model
trained on those windows), beside "tomorrow equals today" on the same windows; the honest
check, a backtest retrained per origin, is `evaluate` (extras/backtest.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.wrappers import LambdaInputTransformer

from common.checkpoint import write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.files import write_json
from common.metrics import regression_metrics
from common.runs import RunResult, finish_run, open_run, run_configs
from common.training.evaluation import evaluate_model
from common.training.keras_style import fit_keras_model
from common.training.options import LoopOptions, TrainingLoop

from .config import APP, DataConfig, ModelConfig
from .data import Loaders, daily_increments, load_series, make_loaders
from .model import MODEL_NAME, CovidEnsemble, build_model, model_args
from .scores import smape


class PercentageSquaredError(nn.Module):
    """The tutorial's loss, mean((y - y_hat)^2 / y^2); y^2 is floored at 1 (counts, not 1e-7)."""

    def forward(self, preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if preds.dim() == targets.dim() + 1:  # (B, E, C) ensemble vs (B, C)
            targets = targets.unsqueeze(1)
        return ((targets - preds) ** 2 / targets.pow(2).clamp(min=1.0)).mean()


def make_loss() -> nn.Module:
    return PercentageSquaredError()


def make_metrics() -> MetricCollection:
    """MAPE, sMAPE and MAE of the ensemble mean."""
    return MetricCollection(
        {
            name: LambdaInputTransformer(metric, transform_pred=lambda p: p.mean(1))
            for name, metric in regression_metrics().items()
        }
    )


def fit_ensemble(
    loaders: Loaders,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    run_dir: Path | None = None,
    resume: Path | None = None,
    progress: bool = False,
    loop: TrainingLoop = fit_keras_model,
) -> tuple[CovidEnsemble, dict[str, Any], list[dict[str, Any]]]:
    """Train every member of the ensemble in one loop; returns the model, its args, history."""
    seed_everything(train_cfg.seed)
    args = model_args(model_cfg, len(loaders.series), loaders.scaler)
    model = build_model(args)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=train_cfg.lr, weight_decay=train_cfg.weight_decay
    )
    device = pick_device(train_cfg.device)
    options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
    options.monitor = None  # a fixed number of epochs: picking one would peek at the target
    options.val_split = "in_sample"  # the training windows double as the per-epoch check
    history = loop(
        model,
        make_loss(),
        optimizer,
        loaders.train,
        loaders.val,
        train_cfg.effective_epochs,
        make_metrics(),
        None,
        options,
    )
    return model.cpu(), args, history.records


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    cumulative: pd.DataFrame | None = None,
    loop: TrainingLoop = fit_keras_model,
) -> RunResult:
    """Train on every window of the data (for forecasting); metrics are in-sample, as labelled.

    `cumulative`: counts the caller read (a JHU country); by default the table of `data_cfg`.
    """
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    with fixed_threads(train_cfg.num_threads):
        if cumulative is None:
            cumulative = load_series(data_cfg)
        increments = daily_increments(cumulative)
        loaders = make_loaders(increments, data_cfg.window)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        meta = {
            "app": APP,
            "model": MODEL_NAME,
            "series": loaders.series,
            "window": data_cfg.window,
        }
        write_model_meta(
            run_dir,
            meta | {"model_args": model_args(model_cfg, len(loaders.series), loaders.scaler)},
        )
        write_json(run_dir / "scaler.json", loaders.scaler.to_json())
        started = time.perf_counter()
        parts = (loaders, model_cfg, train_cfg, run_dir, resume, progress, loop)
        model, _, records = fit_ensemble(*parts)
        train_seconds = time.perf_counter() - started
        scored = (model, loaders.train, make_loss(), make_metrics(), LoopOptions(progress=False))
        fitted = evaluate_model(*scored, "in_sample")
        x, y = loaders.train[0]
        metrics = fitted | naive_in_sample(x[:, -1], y) | {"train_seconds": train_seconds}
        finish_run(run_dir, records, metrics)
    return RunResult(run_dir, metrics, records, train_seconds)


def naive_in_sample(last: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Tomorrow = today on the training windows: sMAPE, MAE, and MAPE over nonzero days only.

    A JHU country's early days are 0 cases, where MAPE divides by zero (USA gave 17,857):
    those days are left out of the MAPE; sMAPE and MAE use every day.
    """
    error, nonzero = (last - y).abs(), y.abs() > 0
    mape = (error[nonzero] / y.abs()[nonzero]).mean() if nonzero.any() else torch.tensor(0.0)
    return {
        "in_sample/naive_mape": float(mape),
        "in_sample/naive_smape": smape(last, y),
        "in_sample/naive_mae": float(error.mean()),
    }
