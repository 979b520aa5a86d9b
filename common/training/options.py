"""`LoopOptions`: everything about how a loop runs, in one object every loop style reads.

    options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
    options, val_loader = pick_validation(options, loaders.val, loaders.test)
    history = fit("script", model, loss_fn, optimizer, train_loader, val_loader, 10,
                  metrics, scheduler, options)

The loops take it as it is: no option is copied onto a trainer and read back later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from common.config import TrainConfig
from common.device import amp_dtype
from common.errors import UserError


@dataclass
class LoopOptions:
    """How to run a loop; the same object drives all three styles.

    Args:
        device: where the model and batches live.
        amp_dtype: autocast dtype (see `common.device.amp_dtype`), None for full precision.
        grad_clip: max global gradient norm, None for no clipping.
        grad_accum_steps: add up the gradients of this many batches before each optimizer
            step (K batches of B give the step of one batch of K*B).
        scheduler_interval: "epoch" or "step": when `scheduler.step()` runs (per optimizer step).
        monitor / mode: the history key that picks the best epoch, and whether lower is better;
            `monitor=None` keeps the latest epoch (for when "validation" is really the test set).
        val_split: the name the per-epoch evaluation gets in the history: "val", or "test"
            when there is no validation split and the curve runs on the test set.
        patience: stop after this many epochs without improvement (None: never).
        run_dir: where `model.safetensors` (best), `last.pt` (resume) and `history.csv` go;
            None keeps everything in memory.
        resume: a run folder or `last.pt` to continue from.
        max_batches: stop each epoch after this many batches (the `--dry-run` smoke test).
        progress: show the progress bar and per-epoch lines.
        tensorboard: also log each epoch to `run_dir/tensorboard`.
        restore_best: load the best epoch's weights into the model when training ends.
    """

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    amp_dtype: torch.dtype | None = None
    grad_clip: float | None = None
    grad_accum_steps: int = 1
    scheduler_interval: str = "epoch"
    monitor: str | None = "val/loss"
    mode: str = "min"
    val_split: str = "val"
    patience: int | None = None
    run_dir: Path | None = None
    resume: Path | None = None
    max_batches: int | None = None
    progress: bool = True
    tensorboard: bool = False
    restore_best: bool = True

    @classmethod
    def from_config(
        cls,
        cfg: TrainConfig,
        device: torch.device,
        run_dir: Path | None = None,
        resume: Path | None = None,
        progress: bool = True,
        scheduler_interval: str = "epoch",
    ) -> LoopOptions:
        """The loop options a `TrainConfig` asks for (AMP, clipping, accumulation, patience...)."""
        return cls(
            device=device,
            amp_dtype=amp_dtype(device, cfg.amp),
            grad_clip=cfg.grad_clip,
            grad_accum_steps=cfg.grad_accum_steps,
            scheduler_interval=scheduler_interval,
            monitor=cfg.monitor,
            mode=cfg.mode,
            patience=cfg.patience,
            run_dir=run_dir,
            resume=resume,
            max_batches=1 if cfg.dry_run else None,
            progress=progress,
            tensorboard=cfg.tensorboard,
        )

    def __post_init__(self) -> None:
        if self.scheduler_interval not in ("epoch", "step"):
            raise UserError("scheduler_interval must be 'epoch' or 'step'")
        if self.mode not in ("min", "max"):
            raise UserError("mode must be 'min' or 'max'")
        if self.grad_accum_steps < 1:
            raise UserError("--grad-accum-steps must be at least 1")


def pick_validation(
    options: LoopOptions, val_loader: Any, test_loader: Any
) -> tuple[LoopOptions, Any]:
    """The per-epoch validation loader, and the loop options that go with it.

    With no validation split (`val_loader` None) the per-epoch curve runs on the test
    split, so the loop keeps the last epoch (`monitor=None`): choosing the best epoch by
    test data would make the test figures optimistic. The history then says `test/*`,
    never `val/*`, so nobody mistakes those figures for validation ones.

    Returns:
        `(options, loader)`: `options` unchanged when there is a validation split.
    """
    if val_loader is not None:
        return options, val_loader
    return dataclasses.replace(options, monitor=None, val_split="test"), test_loader
