"""Front-end: the benchmark, the default CNN beside the tutorial's net on CIFAR-2.

    refapps bench cifar --json

Each configuration trains into a temporary runs folder and reports test accuracy (with flip
averaging), ROC AUC, training time and images per second for training and for prediction.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig

TUTORIAL_ACCURACY = 0.920  # the tutorial's CIFAR-2 validation accuracy
CONFIGS = {  # model name -> (ModelConfig, overrides of TRAIN_DEFAULTS)
    "cnn": (ModelConfig(), {}),
    "tutorial": (ModelConfig(name="tutorial"), {"epochs": 10, "lr": 0.05}),
}


def prediction_speed(predictor: Any, num_images: int) -> float:
    """Images per second through `predict_tensor` with flip averaging, on random images."""
    x = torch.randint(0, 256, (num_images, 3, 32, 32), dtype=torch.uint8)
    started = time.perf_counter()
    predictor.predict_tensor(x, flip=True)
    if predictor.device.type == "cuda":
        torch.cuda.synchronize()
    return num_images / (time.perf_counter() - started)


def bench_one(name: str, runs_dir: Path, quick: bool) -> dict[str, Any]:
    from common.device import pick_device

    from .dispatch import model_builder, splits_loader
    from .predict import load_predictor
    from .train import train

    model_cfg, overrides = CONFIGS[name]
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, runs_dir=runs_dir, **overrides)
    if quick:
        train_cfg = dataclasses.replace(train_cfg, epochs=1, max_samples=64, batch_size=16)
    data_cfg, build = DataConfig(), model_builder(model_cfg.name)  # tutorial: from extras/
    started_cpu = time.process_time()
    result = train(data_cfg, model_cfg, train_cfg, False, splits_loader(data_cfg), build)
    cpu_seconds = time.process_time() - started_cpu
    device = pick_device(train_cfg.device)
    predictor = load_predictor(result.run_dir, device, build)
    num_train = 64 if quick else 10_000
    metrics = result.metrics
    return {
        "app": APP,
        "model": name,
        "kind": "model" if name == "cnn" else "baseline",
        "metric": "test/accuracy",
        "value": metrics["test/accuracy"],
        "auroc": metrics.get("test/auroc"),
        "tutorial": TUTORIAL_ACCURACY,
        "epochs": train_cfg.effective_epochs,
        "train_seconds": result.train_seconds,
        "process_cpu_seconds": cpu_seconds,
        "samples_per_second": num_train * train_cfg.effective_epochs / result.train_seconds,
        "predict_images_per_second": prediction_speed(predictor, 32 if quick else 2048),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "seeds": [train_cfg.seed],
    }


def run_bench(quick: bool = False) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as runs_dir:
        return [bench_one(name, Path(runs_dir), quick) for name in CONFIGS]
