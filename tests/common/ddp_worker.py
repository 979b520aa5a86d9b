"""A torchrun worker for the DDP tests: tiny training with every loop style and batch source.

    python -m torch.distributed.run --standalone --nproc_per_node 2 tests/common/ddp_worker.py \
        styles --out OUT
    python -m torch.distributed.run ... tests/common/ddp_worker.py resume --run-dir R --out OUT \
        [--sigterm-at-epoch 3] [--resume]

Alone (no torchrun) the same functions give the single-process reference with the same
global batch: world size W with per-process batch 8/W against one process with batch 8.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import nn
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).parent))
import tiny

from common.device import fixed_threads, seed_everything
from common.errors import TrainingStopped
from common.metrics import binary_metrics
from common.training.options import LoopOptions
from common.training.styles import loop_named

STYLES = ("script", "function", "class")
KINDS = ("loader", "batches")  # a torch DataLoader, or an app-style iterable of batches
GLOBAL_BATCH = 8


class ShuffledBatches:
    """Like common.batches.TensorBatches: a seeded permutation per epoch."""

    def __init__(self, data: tiny.NoisyBlobs, batch_size: int, generator: torch.Generator) -> None:
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.sigterm_at: tuple[int, int] | None = None  # (epoch, batch) to signal this process
        self.epoch = 0

    def __len__(self) -> int:
        return -(-len(self.data) // self.batch_size)

    def __iter__(self) -> Any:
        self.epoch += 1
        order = torch.randperm(len(self.data), generator=self.generator)
        for index, start in enumerate(range(0, len(order), self.batch_size)):
            if self.sigterm_at == (self.epoch, index):
                os.kill(os.getpid(), signal.SIGTERM)
            rows = order[start : start + self.batch_size]
            yield self.data.x[rows], self.data.y[rows]


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def train_once(style: str, kind: str, epochs: int = 3, **option_args: Any) -> tuple[nn.Module, Any]:
    """TinyNet (no dropout: ranks share one RNG) on shuffled, noise-free blobs."""
    batch_size = GLOBAL_BATCH // world_size()
    with fixed_threads(1):
        generator = seed_everything(0)
        train_set, val_set = (
            tiny.NoisyBlobs(32, 1, noise=False),
            tiny.NoisyBlobs(20, 2, noise=False),
        )
        if kind == "loader":
            train: Any = DataLoader(train_set, batch_size, shuffle=True, generator=generator)
        else:
            train = ShuffledBatches(train_set, batch_size, generator)
        val = DataLoader(val_set, batch_size=6)  # 4 batches: an uneven split over 2 ranks
        model = tiny.TinyNet(dropout=0.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
        options = LoopOptions(monitor=None, progress=False, **option_args)
        history = loop_named(style)(model, nn.BCEWithLogitsLoss(), optimizer, train, val, epochs,
                      binary_metrics(), None, options)  # fmt: skip
    return model, history.records, train


def save_result(model: nn.Module, records: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "weights.safetensors"))
    (out / "history.json").write_text(json.dumps(records))


def log_replaces(out: Path) -> None:
    """Record every atomic write (they all end in os.replace) per rank."""
    real_replace = os.replace

    def logged(src: Any, dst: Any) -> None:
        with open(out / f"writes-rank{os.environ.get('RANK', '0')}.txt", "a") as f:
            f.write(f"{dst}\n")
        real_replace(src, dst)

    os.replace = logged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["styles", "resume"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--run-dir", type=Path)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--sigterm-at-epoch", type=int)
    parser.add_argument("--only", help="one STYLE-KIND pair instead of all of them")
    args = parser.parse_args()
    rank = int(os.environ.get("RANK", "0"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.mode == "styles":
        for style in STYLES:
            for kind in KINDS:
                if args.only and args.only != f"{style}-{kind}":
                    continue
                model, records, _ = train_once(style, kind)
                if rank == 0:
                    save_result(model, records, args.out / f"{style}-{kind}")
        return
    log_replaces(args.out)
    resume = args.run_dir if args.resume else None
    try:
        model, records, _ = train_resumable(args, resume)
    except TrainingStopped as err:
        (args.out / f"exit-rank{rank}.txt").write_text(f"{err.exit_code}\n{err}")
        sys.exit(err.exit_code)
    if rank == 0:
        save_result(model, records, args.out / "final")


def train_resumable(args: argparse.Namespace, resume: Path | None) -> Any:
    """The "batches" kind with a run folder; rank 1 may SIGTERM itself in a given epoch."""
    if args.sigterm_at_epoch and int(os.environ.get("RANK", "0")) == 1:
        original = ShuffledBatches.__init__

        def init(self: ShuffledBatches, *a: Any) -> None:
            original(self, *a)
            self.sigterm_at = (args.sigterm_at_epoch, 2)

        ShuffledBatches.__init__ = init  # type: ignore[method-assign]
    return train_once("function", "batches", args.epochs, run_dir=args.run_dir, resume=resume)


if __name__ == "__main__":
    main()
