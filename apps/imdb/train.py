"""Step 3 and 4, train and evaluate: wire data + model into a `common.training` loop.

    refapps imdb train                              # ngram_nb with the class-style KerasModel
    refapps imdb train --model bilstm --epochs 3 --loop script

A run folder gets config.json, tokenizer.json, model.safetensors + model.json, last.pt,
history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from common.checkpoint import write_json, write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.metrics import binary_metrics, score
from common.runs import RunResult, finish_run, open_run, read_config, restore_config, run_configs
from common.training import LoopOptions, evaluate_model, fit, pick_validation

from .config import APP, DataConfig, ModelConfig
from .data import CLASSES, Loaders, make_loaders
from .decision import held_out_decision
from .model import build_model, model_args
from .text import save_tokenizer


def make_loss() -> nn.Module:
    return nn.BCEWithLogitsLoss()


def make_metrics() -> MetricCollection:
    return binary_metrics()


def make_optimizer(
    model: nn.Module, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> torch.optim.Optimizer:
    """Adam; the sparse n-gram tables get no weight decay (it would pull rare n-grams to 0)."""
    decay = 0.0 if model_cfg.name == "ngram_nb" else train_cfg.weight_decay
    return torch.optim.AdamW(model.parameters(), lr=train_cfg.lr, weight_decay=decay, fused=True)


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, device: torch.device
) -> tuple[Loaders, nn.Module, dict[str, Any]]:
    """Seeded loaders, the model (n-gram ratios set) and its model.json description."""
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(
        data_cfg,
        model_cfg,
        train_cfg.batch_size,
        train_cfg.seed,
        generator,
        train_cfg.max_samples,
        pin_memory=device.type == "cuda",
    )
    args = model_args(model_cfg, loaders.vocab_size)
    model = build_model(args)
    if loaders.nb_ratios is not None and train_cfg.resume is None:
        model.set_ratios(*loaders.nb_ratios)
    meta = {
        "app": APP,
        "model": model_cfg.name,
        "model_args": args,
        "classes": list(CLASSES),
        "max_tokens": data_cfg.max_tokens,
        "threshold": 0.5,
        "num_train_reviews": loaders.num_reviews,
        "num_train_snippets": len(loaders.train.labels) - loaders.num_reviews,
    }
    return loaders, model, meta


def fit_loaders(
    model: nn.Module,
    loaders: Loaders,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    options: LoopOptions,
) -> Any:
    """Train with the configured loop; without a validation split, keep the last epoch."""
    options, val = pick_validation(options, loaders.val, loaders.test)
    return fit(
        train_cfg.loop,
        model,
        make_loss(),
        make_optimizer(model, model_cfg, train_cfg),
        loaders.train,
        val,
        train_cfg.effective_epochs,
        make_metrics(),
        None,
        options,
    )


class Thresholded(nn.Module):
    """Logits shifted so that 0 is the decision threshold: metrics at 0.5 then use it."""

    def __init__(self, model: nn.Module, threshold: float) -> None:
        super().__init__()
        self.model, self.offset = model, math.log(threshold / (1 - threshold))

    def forward(self, x: Any) -> torch.Tensor:
        return self.model(x) - self.offset


def fit_held_out(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> tuple[nn.Module, Loaders, dict[str, Any]]:
    """Train once in memory on part of train, keeping the rest (`threshold_fraction`) apart."""
    cfg = dataclasses.replace(data_cfg, val_fraction=data_cfg.threshold_fraction)
    device = pick_device(train_cfg.device)
    loaders, model, meta = prepare(cfg, model_cfg, train_cfg, device)
    options = LoopOptions.from_config(train_cfg, device, None, None, progress=False)
    options.monitor = None  # same epochs as the real run: the last one
    fit_loaders(model, loaders, model_cfg, train_cfg, options)
    return model, loaders, meta


def calibrate(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> dict[str, Any]:
    """The decision rule (threshold, maybe a stack) chosen on the held-out part of train."""
    model, loaders, meta = fit_held_out(data_cfg, model_cfg, train_cfg)
    return held_out_decision(model, loaders, meta, train_cfg.seed, model_cfg.lexicon_stack)


def compare_held_out(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> list[dict[str, Any]]:
    """The README's choice table: decision rules scored on held-out train data only."""
    from .decision import compare_rules, held_out_scores

    model, loaders, meta = fit_held_out(data_cfg, model_cfg, train_cfg)
    held = held_out_scores(model, loaders, meta, train_cfg.seed, use_lexicon=True)
    return [] if held is None else compare_rules(held, train_cfg.seed)


def train(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, progress: bool = True
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        started = time.perf_counter()
        decision = None
        if data_cfg.val_fraction == 0 and data_cfg.threshold_fraction > 0:
            decision = calibrate(data_cfg, model_cfg, train_cfg)
        loaders, model, meta = prepare(data_cfg, model_cfg, train_cfg, device)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        save_tokenizer(loaders.tokenizer, run_dir)
        write_model_meta(run_dir, meta)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
        history = fit_loaders(model, loaders, model_cfg, train_cfg, options)
        if decision is None:
            decision = held_out_decision(
                model, loaders, meta, train_cfg.seed, model_cfg.lexicon_stack
            )
        write_model_meta(run_dir, meta | decision)
        train_seconds = time.perf_counter() - started
        threshold = decision["threshold"]
        if "stack" in decision:  # the stack needs the texts: score through the predictor
            test_metrics = {k: v for k, v in evaluate(run_dir).items() if k != "num_samples"}
        else:
            test_metrics = evaluate_model(
                Thresholded(model, threshold), loaders.test, make_loss(), make_metrics(), options
            )
        test_metrics |= {"threshold": threshold}
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(run_dir: Path, test_file: Path | None = None) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1 (and precision, recall) on the test split."""
    from .data import load_split
    from .predict import load_predictor

    predictor = load_predictor(run_dir)
    saved = restore_config(DataConfig, read_config(run_dir)["data"])
    reviews = load_split(dataclasses.replace(saved, test_file=test_file or saved.test_file), "test")
    logits = predictor.predict_logits(reviews.texts)
    logits -= math.log(predictor.threshold / (1 - predictor.threshold))  # decide at threshold
    result: dict[str, Any] = score(make_metrics(), logits, torch.tensor(reviews.labels))
    result["num_samples"] = len(reviews.labels)
    write_json(Path(run_dir) / "evaluation.json", result)
    return result


def evaluate_other(run_dir: Path, path: Path) -> dict[str, float]:
    """Accuracy, positive rate and per-class accuracy on a labelled file from elsewhere."""
    from .predict import load_predictor
    from .review_files import read_bytes, read_labelled
    from .scoring import label_metrics

    reviews = read_labelled(read_bytes(path), str(path))
    predictor = load_predictor(run_dir)
    probs = predictor.predict_logits(reviews.texts).sigmoid().numpy()
    split = Path(path).stem.removesuffix("_labelled")
    result = label_metrics(probs, reviews.labels, split, predictor.threshold)
    return result | {f"{split}/num_samples": float(len(reviews.labels))}


def find_lr(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig) -> Any:
    """LR range test on the training split; the plot goes to runs/imdb/lr_find.png."""
    from common import lr_find

    device = pick_device(train_cfg.device)
    loaders, model, _ = prepare(data_cfg, model_cfg, train_cfg, device)
    optimizer = make_optimizer(model, model_cfg, train_cfg)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    return lr_find.find_lr(model, make_loss(), optimizer, loaders.train, device, plot_path)
