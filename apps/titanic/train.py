"""Step 3 and 4, train and evaluate: wire data + model into a `common.training` loop.

    refapps titanic train                 # script-style loop, as in the tutorial
    refapps titanic train --loop class    # the same result with KerasModel

A run folder gets config.json, model.safetensors + model.json (with the fitted
preprocessing), last.pt, history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from common.checkpoint import write_json, write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.metrics import binary_metrics
from common.runs import finish_run, read_config, restore_config, resume_configs, start_run
from common.training import evaluate_model, fit
from common.training.state import LoopOptions

from .config import APP, DataConfig, ModelConfig
from .data import CLASSES, make_loaders
from .model import MODEL_NAME, build_model, model_args


@dataclass
class RunResult:
    run_dir: Path
    test_metrics: dict[str, float]
    history: list[dict[str, Any]]
    train_seconds: float


def make_loss() -> nn.Module:
    return nn.BCEWithLogitsLoss()


def make_metrics() -> MetricCollection:
    return binary_metrics()


class ResumableOneCycleLR(torch.optim.lr_scheduler.OneCycleLR):
    """OneCycleLR whose saved state does not pin the step count, so `--resume` may add epochs."""

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        pinned = ("total_steps", "_schedule_phases")
        super().load_state_dict({k: v for k, v in state_dict.items() if k not in pinned})


def make_scheduler(
    optimizer: torch.optim.Optimizer, train_cfg: TrainConfig, steps_per_epoch: int
) -> Any:
    """One-cycle: warm up, then anneal to ~0 so the kept last epoch sits in a calm minimum."""
    return ResumableOneCycleLR(
        optimizer,
        max_lr=train_cfg.lr,
        epochs=train_cfg.effective_epochs,
        steps_per_epoch=steps_per_epoch,
    )


def train(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, progress: bool = True
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    if train_cfg.resume is not None:
        data_cfg, model_cfg, train_cfg = resume_configs(train_cfg, DataConfig, ModelConfig)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        generator = seed_everything(train_cfg.seed)
        loaders = make_loaders(
            data_cfg, train_cfg.batch_size, train_cfg.seed, generator, train_cfg.max_samples
        )
        args = model_args(model_cfg, loaders.num_features)
        model = build_model(args)
        run_dir, resume = start_run(
            train_cfg.runs_dir,
            APP,
            train_cfg.resume,
            data=data_cfg,
            model=model_cfg,
            train=train_cfg,
        )
        write_model_meta(
            run_dir,
            {
                "app": APP,
                "model": MODEL_NAME,
                "model_args": args,
                "classes": list(CLASSES),
                "preprocessor": loaders.preprocessor.to_json(),
            },
        )
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=train_cfg.lr, weight_decay=train_cfg.weight_decay
        )
        steps = 1 if train_cfg.dry_run else len(loaders.train)
        scheduler = make_scheduler(optimizer, train_cfg, steps)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress, "step")
        if data_cfg.val_fraction == 0:
            # the "validation" curve is then the test split: keep the last epoch instead of
            # choosing the best one on test data
            options.monitor = None
        started = time.perf_counter()
        history = fit(
            train_cfg.loop,
            model,
            make_loss(),
            optimizer,
            loaders.train,
            loaders.val,
            train_cfg.effective_epochs,
            make_metrics(),
            scheduler,
            options,
            amp=train_cfg.amp,
        )
        train_seconds = time.perf_counter() - started
        test_metrics = evaluate_model(model, loaders.test, make_loss(), make_metrics(), options)
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(run_dir: Path, test_csv: Path | None = None) -> dict[str, Any]:
    """Accuracy, ROC AUC, precision, recall, F1 and the confusion matrix on the test split."""
    from torchmetrics.functional.classification import binary_confusion_matrix

    from .data import TARGET, csv_paths, read_passengers
    from .predict import load_predictor

    predictor = load_predictor(run_dir)
    saved = restore_config(DataConfig, read_config(run_dir)["data"])
    path = test_csv or csv_paths(saved)[1]
    df = read_passengers(path, require_target=True)
    logits = predictor.predict_logits(df)
    targets = torch.tensor(df[TARGET].to_numpy())
    metrics = make_metrics()
    metrics.update(logits, targets)
    result: dict[str, Any] = {f"test/{k}": float(v) for k, v in metrics.compute().items()}
    matrix = binary_confusion_matrix(logits.sigmoid(), targets).tolist()
    result["confusion_matrix"] = {
        "rows": "true died, true survived",
        "cols": "predicted died, predicted survived",
        "values": matrix,
    }
    result["num_samples"] = len(df)
    write_json(run_dir / "evaluation.json", result)
    return result


def find_lr(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig) -> Any:
    """LR range test on the training split; the plot goes to runs/titanic/lr_find.png."""
    from common.lr_find import lr_range_test, plot_lr_find

    device = pick_device(train_cfg.device)
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(
        data_cfg, train_cfg.batch_size, train_cfg.seed, generator, train_cfg.max_samples
    )
    model = build_model(model_args(model_cfg, loaders.num_features))
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=train_cfg.lr, weight_decay=train_cfg.weight_decay
    )
    result = lr_range_test(model, make_loss(), optimizer, loaders.train, device)
    plot_lr_find(result, Path(train_cfg.runs_dir) / APP / "lr_find.png")
    return result
