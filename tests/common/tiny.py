"""A tiny data set, model and training run for the common/ tests; also a subprocess worker.

    python tests/common/tiny.py train --style class --run-dir R --epochs 6 --out O [--resume]
    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/common/tiny.py ddp ...

Every source of randomness the loops must restore on resume is used on purpose: dropout
(torch RNG), a shuffled DataLoader (its generator), and per-sample noise drawn from NumPy's
and Python's global RNGs inside `__getitem__`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn
from torch.utils.data import DataLoader, Dataset

from common.device import fixed_threads, seed_everything
from common.metrics import binary_metrics
from common.training.keras_style import KerasModel
from common.training.options import LoopOptions
from common.training.styles import loop_named

NUM_FEATURES = 4


class NoisyBlobs(Dataset):
    """Fixed features and labels; `__getitem__` adds NumPy + Python noise and may sleep."""

    def __init__(self, n: int, seed: int, noise: bool = True, sleep: float = 0.0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, NUM_FEATURES, generator=g)
        self.y = (self.x @ torch.tensor([1.0, -2.0, 0.5, 1.0]) > 0).float()
        self.noise, self.sleep = noise, sleep

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.sleep:
            time.sleep(self.sleep)
        x = self.x[i]
        if self.noise:
            jitter = np.random.normal(0.0, 0.05, NUM_FEATURES) + random.gauss(0.0, 0.05)
            x = x + torch.from_numpy(jitter).float()
        return x, self.y[i]


class TinyNet(nn.Module):
    def __init__(self, dropout: float = 0.2, hidden: int = 16) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(NUM_FEATURES, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).squeeze(-1)


def make_loaders(
    generator: torch.Generator | None,
    batch_size: int = 8,
    n_train: int = 32,
    n_val: int = 16,
    noise: bool = True,
    sleep: float = 0.0,
    shuffle: bool = True,
) -> tuple[DataLoader, DataLoader]:
    train = NoisyBlobs(n_train, seed=1, noise=noise, sleep=sleep)
    val = NoisyBlobs(n_val, seed=2, noise=noise)
    return (
        DataLoader(train, batch_size=batch_size, shuffle=shuffle, generator=generator),
        DataLoader(val, batch_size=batch_size),
    )


def make_scheduler(optimizer: torch.optim.Optimizer, interval: str) -> Any:
    if interval == "step":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.97)
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)


def run(
    style: str,
    run_dir: Path | None = None,
    epochs: int = 4,
    resume: Path | None = None,
    sleep: float = 0.0,
    interval: str = "epoch",
    monitor: str | None = None,
    patience: int | None = None,
    lr: float = 0.1,
    loss_fn: nn.Module | None = None,
    val_noise_labels: bool = False,
    progress: bool = False,
    val_split: str = "val",
) -> tuple[nn.Module, list[dict[str, Any]]]:
    """Train TinyNet with one loop style on CPU, one thread, seed 0; returns model + history."""
    with fixed_threads(1):
        generator = seed_everything(0)
        train_loader, val_loader = make_loaders(generator, sleep=sleep)
        if val_noise_labels:  # labels unrelated to x: validation loss soon gets worse
            val_loader.dataset.y = torch.randint(0, 2, (16,), generator=torch.Generator()).float()
        model = TinyNet()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        options = LoopOptions(
            grad_clip=1.0,
            scheduler_interval=interval,
            monitor=monitor,
            patience=patience,
            run_dir=run_dir,
            resume=resume,
            progress=progress,
            val_split=val_split,
        )
        history = loop_named(style)(
            model,
            loss_fn or nn.BCEWithLogitsLoss(),
            optimizer,
            train_loader,
            val_loader,
            epochs,
            binary_metrics(),
            make_scheduler(optimizer, interval),
            options,
        )
    return model, history.records


def run_ddp(run_dir: Path | None, epochs: int, world_size: int) -> tuple[nn.Module, list[dict]]:
    """KerasModel without dropout or shuffling; per-process batch = 8 / world_size."""
    with fixed_threads(1):
        seed_everything(0)
        train_loader, val_loader = make_loaders(
            None, batch_size=8 // world_size, noise=False, shuffle=False
        )
        model = TinyNet(dropout=0.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
        keras = KerasModel(
            model, nn.BCEWithLogitsLoss(), optimizer, metrics=binary_metrics(), device="cpu"
        )
        history = keras.fit(
            train_loader, val_loader, epochs, monitor=None, run_dir=run_dir, progress=False
        )
    return model, history.records


def _save_result(model: nn.Module, records: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "weights.safetensors"))
    (out / "history.json").write_text(json.dumps(records))


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["train", "ddp"])
    parser.add_argument("--style", default="class")
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.mode == "train":
        resume = args.run_dir if args.resume else None
        model, records = run(args.style, args.run_dir, args.epochs, resume, args.sleep)
        _save_result(model, records, args.out)
        return

    from common.device import rank

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    real_replace = os.replace
    args.out.mkdir(parents=True, exist_ok=True)

    def logged_replace(src: Any, dst: Any) -> None:  # every atomic write ends in os.replace
        with open(args.out / f"writes-rank{os.environ.get('RANK', '0')}.txt", "a") as f:
            f.write(f"{dst}\n")
        real_replace(src, dst)

    os.replace = logged_replace
    model, records = run_ddp(args.run_dir, args.epochs, world_size)
    os.replace = real_replace
    if rank() == 0:
        _save_result(model, records, args.out)


if __name__ == "__main__":
    _main()
