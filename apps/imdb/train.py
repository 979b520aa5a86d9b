"""Step 3 and 4, train and evaluate: wire data + model into a `common.training` loop.

    refapps imdb train                              # ngram_nb with the class-style KerasModel
    refapps imdb train --model bilstm --epochs 3 --loop script

A run folder gets config.json, tokenizer.json, model.safetensors + model.json, last.pt,
history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import dataclasses
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
from .model import build_model, model_args
from .text import save_tokenizer


@dataclass
class RunResult:
    run_dir: Path
    test_metrics: dict[str, float]
    history: list[dict[str, Any]]
    train_seconds: float  # tokenising, features and training (what the bench bar counts)


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


def train(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, progress: bool = True
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    if train_cfg.resume is not None:
        data_cfg, model_cfg, train_cfg = resume_configs(train_cfg, DataConfig, ModelConfig)
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        started = time.perf_counter()
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
        run_dir, resume = start_run(
            train_cfg.runs_dir,
            APP,
            train_cfg.resume,
            data=data_cfg,
            model=model_cfg,
            train=train_cfg,
        )
        save_tokenizer(loaders.tokenizer, run_dir)
        write_model_meta(
            run_dir,
            {
                "app": APP,
                "model": model_cfg.name,
                "model_args": args,
                "classes": list(CLASSES),
                "max_tokens": data_cfg.max_tokens,
            },
        )
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
        val = loaders.val
        if val is None:
            # the "validation" curve is then the test split: keep the last epoch instead of
            # choosing the best one on test data
            options.monitor, val = None, loaders.test
        history = fit(
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
            amp=train_cfg.amp,
        )
        train_seconds = time.perf_counter() - started
        test_metrics = evaluate_model(model, loaders.test, make_loss(), make_metrics(), options)
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
    metrics = make_metrics()
    metrics.update(logits, torch.tensor(reviews.labels))
    result: dict[str, Any] = {f"test/{k}": float(v) for k, v in metrics.compute().items()}
    result["num_samples"] = len(reviews.labels)
    write_json(Path(run_dir) / "evaluation.json", result)
    return result
