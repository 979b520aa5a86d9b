"""How much does the class-style loop cost over a bare PyTorch loop?

    refapps bench overhead

Same model, data, optimizer and number of steps; the bare loop is the five lines every
tutorial starts with. Reported as the ratio of median wall times (target: at most 1.05).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from common.device import seed_everything
from common.training import KerasModel


def _workloads() -> dict[str, tuple[Callable[[], nn.Module], torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    x_tab = torch.randn(8192, 64, generator=generator)
    y_tab = torch.randint(0, 10, (8192,), generator=generator)
    x_img = torch.randn(1024, 3, 32, 32, generator=generator)
    y_img = torch.randint(0, 10, (1024,), generator=generator)

    def mlp() -> nn.Module:
        return nn.Sequential(
            nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )

    def cnn() -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(), nn.Linear(64, 10),
        )  # fmt: skip

    return {"mlp": (mlp, x_tab, y_tab), "cnn": (cnn, x_img, y_img)}


def _bare_loop(model: nn.Module, loader: DataLoader, epochs: int) -> None:
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()


def _class_loop(model: nn.Module, loader: DataLoader, epochs: int) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    keras_model = KerasModel(model, nn.CrossEntropyLoss(), optimizer, device="cpu")
    # validation on one batch: the bare loop has none, so keep that part negligible
    keras_model.fit(loader, [next(iter(loader))], epochs, progress=False)


def measure_overhead(
    repeats: int = 9, epochs: int = 3, batch_size: int = 64
) -> list[dict[str, Any]]:
    """One row per workload: median seconds of both loops and their ratio.

    The two loops alternate which goes first, so a slow drift of the machine (another
    process, thermal state) falls on both equally.
    """
    rows = []
    for name, (make_model, x, y) in _workloads().items():
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
        times: dict[str, list[float]] = {"bare": [], "class": []}
        for repeat in range(repeats + 1):  # the first round warms up caches and allocators
            order = [("bare", _bare_loop), ("class", _class_loop)]
            for style, loop in order if repeat % 2 else order[::-1]:
                seed_everything(repeat)
                model = make_model()
                started = time.perf_counter()
                loop(model, loader, epochs)
                if repeat:
                    times[style].append(time.perf_counter() - started)
        bare, keras = statistics.median(times["bare"]), statistics.median(times["class"])
        steps = epochs * len(loader)
        rows.append(
            {
                "app": "overhead",
                "model": name,
                "kind": "model",
                "metric": "class_loop_time_ratio",
                "value": keras / bare,
                "bare_seconds": bare,
                "class_seconds": keras,
                "train_seconds": keras,
                "samples_per_second": steps * batch_size / keras,
                "device": "cpu",
                "torch": torch.__version__,
                "tutorial": None,
            }
        )
    return rows
