"""Step 3 and 4, train and evaluate: wire data + model into a `common.training` loop.

    refapps titanic train                 # script-style loop, as in the tutorial
    refapps titanic train --loop class    # the same result with KerasModel
    refapps titanic train --train-on-all  # all 891 passengers, before a Kaggle submission

A run folder gets config.json, model.safetensors + model.json (with the fitted
preprocessing), last.pt, history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchmetrics import MetricCollection

from common.checkpoint import MODEL_WEIGHTS, atomic_write, save_model, write_json
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.metrics import binary_metrics, score
from common.runs import RunResult, finish_run, open_run, read_config, restore_config, run_configs
from common.training import LoopOptions, evaluate_model, fit, pick_validation
from common.training.schedules import ResumableOneCycleLR, steps_per_epoch

from .config import APP, DataConfig, ModelConfig
from .data import CLASSES, Loaders, make_loaders
from .model import MODEL_NAME, TitanicEnsemble, build_member, build_model, model_args


def make_loss() -> nn.Module:
    return nn.BCEWithLogitsLoss()


def make_metrics() -> MetricCollection:
    return binary_metrics()


def make_optimizer(model: nn.Module, train_cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(
        model.parameters(), lr=train_cfg.lr, weight_decay=train_cfg.weight_decay
    )


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


def fit_members(
    model: TitanicEnsemble,
    args: dict[str, Any],
    train_loader: DataLoader,
    val_loader: Any,
    train_cfg: TrainConfig,
    options: LoopOptions,
    use_metrics: bool = True,
) -> list[dict[str, Any]]:
    """Train each member with its own seed (member 0 keeps the run's history and resume state).

    Only member 0 computes metrics and validates every epoch: the others would only add time.
    """
    history: list[dict[str, Any]] = []
    for index, member in enumerate(model.members):
        seed_everything(train_cfg.seed + 1000 * index)
        if index:  # a fresh init and shuffle order per member; only member 0 writes the run
            member.load_state_dict(build_member(args).state_dict())
            options = dataclasses.replace(options, run_dir=None, resume=None, progress=False)
            use_metrics, val_loader = False, [next(iter(val_loader))]
        train_loader.generator.manual_seed(train_cfg.seed + 1000 * index)
        optimizer = make_optimizer(member, train_cfg)
        steps = steps_per_epoch(train_loader, train_cfg)  # this rank's share, after accumulation
        records = fit(
            train_cfg.loop,
            member,
            make_loss(),
            optimizer,
            train_loader,
            val_loader,
            train_cfg.effective_epochs,
            make_metrics() if use_metrics else None,
            make_scheduler(optimizer, train_cfg, steps),
            options,
        ).records
        history = history or records
    return history


def first_member_weights(run_dir: Path) -> None:
    """Before a resume: the loop reloads `model.safetensors` as member 0, not the ensemble."""
    from safetensors.torch import load_file, save_file

    path = run_dir / MODEL_WEIGHTS
    if not path.is_file():
        return
    prefix = "members.0."
    tensors = load_file(path)
    if any(k.startswith(prefix) for k in tensors):
        first = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        atomic_write(path, lambda tmp: save_file(first, tmp))


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> tuple[Loaders, dict[str, Any]]:
    """Seeded loaders (preprocessing fitted on train only) and the model arguments they imply."""
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(
        data_cfg, train_cfg.batch_size, train_cfg.seed, generator, train_cfg.max_samples
    )
    return loaders, model_args(model_cfg, loaders.num_features)


def run_meta(args: dict[str, Any], loaders: Loaders, data_cfg: DataConfig) -> dict[str, Any]:
    """model.json: what rebuilds the model, its fitted preprocessing, and what it was fed."""
    return {
        "app": APP,
        "model": MODEL_NAME,
        "model_args": args,
        "classes": list(CLASSES),
        "preprocessor": loaders.preprocessor.to_json(),
        "num_train": len(loaders.train.dataset),
        "train_on_all": data_cfg.train_on_all,
    }


def train(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, progress: bool = True
) -> RunResult:
    """Train the ensemble and evaluate it on the test split; everything lands in a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        loaders, args = prepare(data_cfg, model_cfg, train_cfg)
        model = build_model(args)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        if resume is not None:
            first_member_weights(run_dir)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress, "step")
        options, val_loader = pick_validation(options, loaders.val, loaders.test)
        if data_cfg.train_on_all:  # the "test" passengers are trained on: an in-sample curve
            options.val_split = "in_sample"
        started = time.perf_counter()
        history = fit_members(model, args, loaders.train, val_loader, train_cfg, options)
        train_seconds = time.perf_counter() - started
        save_model(model.cpu(), run_dir, run_meta(args, loaders, data_cfg))
        test_metrics = evaluate_model(model, loaders.test, make_loss(), make_metrics(), options)
        if data_cfg.train_on_all:  # the test split was trained on: say so in every key
            test_metrics = {k.replace("test/", "in_sample/"): v for k, v in test_metrics.items()}
        finish_run(run_dir, history, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history, train_seconds)


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
    result: dict[str, Any] = score(make_metrics(), logits, targets)
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
    from common import lr_find

    device = pick_device(train_cfg.device)
    loaders, args = prepare(data_cfg, model_cfg, train_cfg)
    model = build_member(args)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    optimizer = make_optimizer(model, train_cfg)
    return lr_find.find_lr(model, make_loss(), optimizer, loaders.train, device, plot_path)
