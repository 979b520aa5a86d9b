"""Step 3 and 4, train and evaluate: wire data + model into a `common.training` loop.

    refapps cifar train                          # the fast CNN on CIFAR-2, function-style loop
    refapps cifar train --model tutorial --loop class

The recipe: SGD with Nesterov momentum under a one-cycle learning rate, label smoothing,
random crops and flips, and a flip-averaged test. A run folder gets config.json,
model.safetensors + model.json, last.pt, history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from common.checkpoint import write_json, write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.errors import UserError
from common.metrics import multiclass_metrics, score, two_logit_metrics
from common.runs import RunResult, finish_run, open_run, read_config, restore_config, run_configs
from common.training import LoopOptions, evaluate_model, fit, pick_validation
from common.training.schedules import one_cycle, steps_per_epoch

from .batches import Loaders, make_loaders
from .config import APP, DataConfig, ModelConfig
from .model import MODEL_NAMES, FlipAveraged, build_model, model_args

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
    use_compile: bool = False,
) -> tuple[Loaders, nn.Module, dict[str, Any]]:
    """Seeded loaders, the model on `device` (channels_last on CUDA: faster convolutions)."""
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(
        data_cfg, train_cfg.batch_size, train_cfg.seed, generator, train_cfg.max_samples, device
    )
    args = model_args(model_cfg, len(loaders.classes), loaders.mean, loaders.std)
    model = build_model(args).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    if use_compile:
        model = torch.compile(model)  # type: ignore[assignment]
    return loaders, model, args


def train(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, progress: bool = True
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        loaders, model, args = prepare(data_cfg, model_cfg, train_cfg, device, model_cfg.compile)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        meta = {
            "app": APP,
            "model": MODEL_NAMES[model_cfg.name],
            "model_args": args,
            "classes": loaders.classes,
        }
        write_model_meta(run_dir, meta | {"image_size": data_cfg.image_size})
        optimizer = torch.optim.SGD(
            model.parameters(),
            lr=train_cfg.lr,
            momentum=MOMENTUM,
            nesterov=True,
            weight_decay=train_cfg.weight_decay,
        )
        total_steps = train_cfg.effective_epochs * steps_per_epoch(loaders.train, train_cfg)
        scheduler = one_cycle(optimizer, total_steps, WARMUP_FRACTION, START_FACTOR)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress, "step")
        options, val_loader = pick_validation(options, loaders.val, loaders.test)
        metrics = make_metrics(len(loaders.classes))
        started = time.perf_counter()
        history = fit(
            train_cfg.loop,
            model,
            make_loss(),
            optimizer,
            loaders.train,
            val_loader,
            train_cfg.effective_epochs,
            metrics,
            scheduler,
            options,
        )
        train_seconds = time.perf_counter() - started
        test_metrics = evaluate_model(
            FlipAveraged(model), loaders.test, make_loss(), metrics, options
        )
        num_images = loaders.num_train * train_cfg.effective_epochs
        finish_run(
            run_dir,
            history.records,
            test_metrics
            | {
                "train_seconds": train_seconds,
                "train_images_per_second": num_images / train_seconds,
                "train/num_samples": loaders.num_train,  # the page says what the run used
            },
        )
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(run_dir: Path, data_dir: Path | None = None, flip: bool = True) -> dict[str, Any]:
    """Test metrics, per-class accuracy, a confusion-matrix PNG and the worst images as a PNG."""
    from common.plots import save_figure

    from .data import load_splits
    from .figures import confusion_figure, worst_images_figure
    from .predict import load_predictor

    predictor = load_predictor(run_dir)
    data_cfg = restore_config(DataConfig, read_config(run_dir)["data"])
    if data_dir is not None:
        data_cfg = dataclasses.replace(data_cfg, data_dir=data_dir)
    test_set = load_splits(data_cfg, read_config(run_dir)["train"]["seed"])[2]
    if test_set.x is None:
        from .batches import ImageFiles

        files = ImageFiles(test_set, data_cfg.image_size)
        test_set.x = torch.stack([files[i][0] for i in range(len(files))])
    if test_set.classes != predictor.classes:
        raise UserError(
            f"The test classes {test_set.classes} differ from the model's {predictor.classes}."
        )
    classes = predictor.labels  # reported as people read them: airplane, not 0_airplane
    probs = predictor.predict_tensor(test_set.x, flip=flip)  # (N, C)
    result: dict[str, Any] = score(make_metrics(len(classes)), probs.log(), test_set.y)
    preds = probs.argmax(1)
    matrix = torch.zeros(len(classes), len(classes), dtype=torch.int64)
    matrix.index_put_((test_set.y, preds), torch.ones_like(preds), accumulate=True)
    for i, name in enumerate(classes):
        result[f"test/accuracy_{name}"] = float(matrix[i, i] / matrix[i].sum().clamp_min(1))
    result["confusion_matrix"] = {"classes": classes, "values": matrix.tolist()}
    result["num_samples"] = len(test_set)
    save_figure(confusion_figure(matrix, classes), run_dir / "confusion_matrix.png")
    true_probs = probs.gather(1, test_set.y[:, None]).squeeze(1)
    worst = true_probs.argsort()[:25]
    figure = worst_images_figure(test_set.x[worst], test_set.y[worst], probs[worst], classes)
    save_figure(figure, run_dir / "worst_images.png")
    write_json(run_dir / "evaluation.json", result)
    return result


def find_lr(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig) -> Any:
    """LR range test on the training split; the plot goes to runs/cifar/lr_find.png."""
    from common import lr_find

    device = pick_device(train_cfg.device)
    loaders, model, _ = prepare(data_cfg, model_cfg, train_cfg, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=train_cfg.lr, momentum=MOMENTUM)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    return lr_find.find_lr(model, make_loss(), optimizer, loaders.train, device, plot_path)
