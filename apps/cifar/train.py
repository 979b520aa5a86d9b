"""Steps 3 and 4 of 6, train and evaluate: wire data + model into a `common.training` loop.

    refapps cifar train          # the CNN on CIFAR-2, 8 epochs, function-style loop
    refapps cifar evaluate       # test metrics, per-class accuracy and two figures

The recipe: SGD with Nesterov momentum under a one-cycle rate, label smoothing, random crops
and flips, a flip-averaged test. A run folder gets config.json, model.safetensors + model.json,
last.pt, history.csv, curves.png and metrics.json. Other data and models come in as `load`
and `build` (from `extras/`, chosen by the front-ends).
"""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from common.checkpoint import write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.metrics import multiclass_metrics, two_logit_metrics
from common.runs import RunResult, finish_run, open_run, run_configs
from common.training.evaluation import evaluate_model
from common.training.function_style import train_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation
from common.training.schedules import one_cycle, steps_per_epoch

from .config import APP, DataConfig, ModelConfig
from .data import Loaders, SplitsLoader, load_splits, make_loaders
from .model import FlipAveraged, ModelBuilder, build_model, model_args

LABEL_SMOOTHING = 0.1
MOMENTUM = 0.9
WARMUP_FRACTION = 0.25  # share of the steps during which the one-cycle rate rises
START_FACTOR = 0.05  # the rate starts at this share of --lr


def make_loss() -> nn.Module:
    return nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)


def make_metrics(num_classes: int) -> MetricCollection:
    """Two classes: accuracy, ROC AUC, F1 of class 1; more: accuracy and macro F1."""
    return two_logit_metrics() if num_classes == 2 else multiclass_metrics(num_classes)


def prepare(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    device: torch.device,
    load: SplitsLoader = load_splits,
    build: ModelBuilder = build_model,
) -> tuple[Loaders, nn.Module, dict[str, Any]]:
    """Seeded loaders, the model on `device` (channels_last on CUDA: faster convolutions)."""
    generator = seed_everything(train_cfg.seed)
    batch_size, seed, max_samples = train_cfg.batch_size, train_cfg.seed, train_cfg.max_samples
    loaders = make_loaders(data_cfg, batch_size, seed, generator, max_samples, device, load)
    args = model_args(model_cfg, len(loaders.classes), loaders.mean, loaders.std)
    model = build(args).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    return loaders, model, args


def run_meta(
    model: nn.Module, args: dict[str, Any], loaders: Loaders, data_cfg: DataConfig
) -> dict[str, Any]:
    """model.json: what rebuilds the model (`model_args`), its classes and its input size."""
    meta = {"app": APP, "model": type(model).__name__, "model_args": args}
    return meta | {"classes": loaders.classes, "image_size": data_cfg.image_size}


def make_optimizer(
    model: nn.Module, train_cfg: TrainConfig, train_batches: Any
) -> tuple[torch.optim.Optimizer, Any]:
    """SGD with Nesterov momentum, under a one-cycle learning rate stepped every batch."""
    decay = train_cfg.weight_decay
    optimizer = torch.optim.SGD(
        model.parameters(), lr=train_cfg.lr, momentum=MOMENTUM, nesterov=True, weight_decay=decay
    )
    total_steps = train_cfg.effective_epochs * steps_per_epoch(train_batches, train_cfg)
    return optimizer, one_cycle(optimizer, total_steps, WARMUP_FRACTION, START_FACTOR)


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    load: SplitsLoader = load_splits,
    build: ModelBuilder = build_model,
    loop: TrainingLoop = train_model,
) -> RunResult:
    """Train, then test with each image averaged with its mirror; all goes to a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        loaders, model, args = prepare(data_cfg, model_cfg, train_cfg, device, load, build)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        write_model_meta(run_dir, run_meta(model, args, loaders, data_cfg))
        model = torch.compile(model) if model_cfg.compile else model  # worth it on a GPU
        optimizer, scheduler = make_optimizer(model, train_cfg, loaders.train)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress, "step")
        options, val_loader = pick_validation(options, loaders.val, loaders.test)
        metrics, loss_fn = make_metrics(len(loaders.classes)), make_loss()
        started = time.perf_counter()
        history = loop(
            model,
            loss_fn,
            optimizer,
            loaders.train,
            val_loader,
            train_cfg.effective_epochs,
            metrics,
            scheduler,
            options,
        )
        train_seconds = time.perf_counter() - started
        test_metrics = evaluate_model(FlipAveraged(model), loaders.test, loss_fn, metrics, options)
        speed = loaders.num_train * train_cfg.effective_epochs / train_seconds
        facts = {"train_seconds": train_seconds, "train_images_per_second": speed}
        facts["train/num_samples"] = loaders.num_train  # the page says what the run used
        finish_run(run_dir, history.records, test_metrics | facts)
    return RunResult(run_dir, test_metrics, history.records, train_seconds)
