"""`LoopOptions`: everything about how a loop runs, in one object every loop style reads.

    options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
    options, val_loader = pick_validation(options, loaders.val, loaders.test)
    history = loop(model, loss_fn, optimizer, train, val, epochs, metrics, scheduler, options)

The loops take it as it is: no option is copied onto a trainer and read back later. Every
loop style is a `TrainingLoop`: an app's `train()` imports its own default style from that
style's module, and the front-ends pass another one (`--loop`, `common.training.styles`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torchmetrics import MetricCollection

from common.config import TrainConfig
from common.device import amp_dtype
from common.errors import UserError
from common.training.history import History


class TrainingLoop(Protocol):
    """The call every loop style answers: `script_style.run_training_script`,
    `function_style.train_model` and `keras_style.fit_keras_model`."""

    def __call__(
        self,
        model: torch.nn.Module,
        loss_fn: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        train_loader: Any,
        val_loader: Any,
        epochs: int,
        metrics: MetricCollection | None = None,
        scheduler: Any = None,
        options: LoopOptions | None = None,
        /,
    ) -> History: ...


@dataclass
class LoopOptions:
    """How to run a loop; the same object drives all three styles."""

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    amp_dtype: torch.dtype | None = None  # autocast dtype (`common.device.amp_dtype`); None: fp32
    grad_clip: float | None = None  # max global gradient norm; None: no clipping
    grad_accum_steps: int = 1  # K batches of B per optimizer step: the step of one batch of K*B
    scheduler_interval: str = "epoch"  # when `scheduler.step()` runs: "epoch" or "step"
    monitor: str | None = "val/loss"  # picks the best epoch; None keeps the last one
    mode: str = "min"  # "min" or "max": whether a lower `monitor` is better
    val_split: str = "val"  # the per-epoch evaluation's name: "val", or "test" without one
    patience: int | None = None  # stop after this many epochs without improvement
    run_dir: Path | None = None  # model.safetensors (best), last.pt, history.csv; None: memory
    resume: Path | None = None  # a run folder or its last.pt to continue from
    max_batches: int | None = None  # batches per epoch at most (`--dry-run`: 1)
    progress: bool = True  # the progress bar and one line per epoch
    tensorboard: bool = False  # also log each epoch to run_dir/tensorboard

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
