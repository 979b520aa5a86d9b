"""How much does the class-style loop cost over a bare PyTorch loop?

    refapps bench overhead

Same model, data, optimizer and number of steps; the bare loop is the five lines every
tutorial starts with. Bare and class runs are interleaved in pairs; the report is the median
of the per-pair time ratios with its quartiles (target: at most 1.05).
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
from common.training.keras_style import KerasModel


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
    # validation on two samples: the bare loop has none, so keep that part negligible
    x, y = loader.dataset[:2]
    keras_model.fit(loader, [(x, y)], epochs, progress=False)


def _timed(
    loop: Callable[[nn.Module, DataLoader, int], None],
    make_model: Callable[[], nn.Module],
    loader: DataLoader,
    epochs: int,
    seed: int,
) -> float:
    seed_everything(seed)
    model = make_model()
    started = time.perf_counter()
    loop(model, loader, epochs)
    return time.perf_counter() - started


def measure_overhead(
    repeats: int = 15, epochs: int = 1, batch_size: int = 64
) -> list[dict[str, Any]]:
    """One row per workload: the median of paired class/bare time ratios, and its spread.

    Each repeat times a bare run and a class run back to back (alternating which goes first)
    and keeps their ratio: a pair sees the same machine load, so the ratio is steady even
    when the absolute times swing with other processes. `value` is the median ratio over
    `repeats` pairs; `ratio_q1`/`ratio_q3` are its quartiles (the spread); `min_ratio`
    compares the fastest run of each side, the ones other processes disturbed least.
    """
    rows = []
    for name, (make_model, x, y) in _workloads().items():
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
        bare_times, class_times, ratios = [], [], []
        for repeat in range(repeats + 1):  # the first pair warms up caches and allocators
            pair = {}
            order = [("bare", _bare_loop), ("class", _class_loop)]
            for style, loop in order if repeat % 2 else order[::-1]:
                pair[style] = _timed(loop, make_model, loader, epochs, repeat)
            if repeat:
                bare_times.append(pair["bare"])
                class_times.append(pair["class"])
                ratios.append(pair["class"] / pair["bare"])
        q1, median, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
        keras = statistics.median(class_times)
        rows.append(
            {
                "app": "overhead",
                "model": name,
                "kind": "model",
                "metric": "class_loop_time_ratio",
                "value": median,
                "ratio_q1": q1,
                "ratio_q3": q3,
                "min_ratio": min(class_times) / min(bare_times),  # least-disturbed runs
                "repeats": repeats,
                "bare_seconds": statistics.median(bare_times),
                "class_seconds": keras,
                "train_seconds": keras,
                "samples_per_second": epochs * len(loader) * batch_size / keras,
                "device": "cpu",
                "torch": torch.__version__,
                "tutorial": None,
            }
        )
    return rows
