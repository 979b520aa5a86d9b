"""What every loop style shares: options, the resumable loop state, and the epoch's end.

The three styles differ only in how the steps are written; `begin_training` and `end_epoch`
are the same calls in each, which is why they give identical weights and history.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from common.checkpoint import (
    FORMAT_VERSION,
    MODEL_WEIGHTS,
    RESUME_CHECKPOINT,
    capture_rng_state,
    load_resume_checkpoint,
    load_weights,
    restore_rng_state,
    save_resume_checkpoint,
    save_weights,
    unwrap,
)
from common.config import TrainConfig
from common.errors import CheckpointError, TrainingInterrupted, TrainingStopped, UserError
from common.training.history import History


@dataclass
class LoopOptions:
    """How to run a loop; the same object drives all three styles.

    Args:
        device: where the model and batches live.
        amp_dtype: autocast dtype (see `common.device.amp_dtype`), None for full precision.
        grad_clip: max global gradient norm, None for no clipping.
        scheduler_interval: "epoch" or "step": when `scheduler.step()` runs.
        monitor / mode: the history key that picks the best epoch, and whether lower is better;
            `monitor=None` keeps the latest epoch (for when "validation" is really the test set).
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
    scheduler_interval: str = "epoch"
    monitor: str | None = "val/loss"
    mode: str = "min"
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
        """The loop options a `TrainConfig` asks for."""
        from common.device import amp_dtype

        return cls(
            device=device,
            amp_dtype=amp_dtype(device, cfg.amp),
            grad_clip=cfg.grad_clip,
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


@dataclass
class LoopState:
    """Everything a resume restores besides the model/optimizer/scheduler/scaler tensors."""

    history: History
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    best_value: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    stopped_early: bool = False


def move_to(batch: Any, device: torch.device) -> Any:
    """Move a tensor, or a tuple/list/dict of them, to `device` (non-blocking when pinned)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, Sequence) and not isinstance(batch, str):
        return type(batch)(move_to(v, device) for v in batch)
    return batch


def batch_size_of(targets: Any) -> int:
    return len(targets)


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def step_scheduler_epoch(scheduler: Any, record: Mapping[str, float], monitor: str | None) -> None:
    """Per-epoch scheduler step; ReduceLROnPlateau gets the monitored value."""
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(record.get(monitor or "val/loss", record["val/loss"]))
    else:
        scheduler.step()


def check_finite(loss_value: float, epoch: int, run_dir: Path | None, what: str = "loss") -> None:
    if math.isfinite(loss_value):
        return
    # promise a checkpoint (and a resume command) only when one was written
    kept = run_dir is not None and (Path(run_dir) / RESUME_CHECKPOINT).is_file()
    where = f" The last good checkpoint is kept in {run_dir}." if kept else ""
    raise TrainingStopped(
        f"Training stopped: the {what} became {loss_value} in epoch {epoch}.{where} "
        "Try a lower --lr, gradient clipping (--grad-clip 1.0) or --no-amp.",
        run_dir=str(run_dir) if kept else None,
    )


# --- start and end of training ------------------------------------------------------------


def begin_training(
    options: LoopOptions,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    train_loader: Any,
) -> LoopState:
    """A fresh state, or the one saved in `options.resume` with every tensor and RNG restored."""
    run_dir = options.run_dir
    history = History(
        csv_path=run_dir / "history.csv" if run_dir else None,
        tensorboard_dir=run_dir / "tensorboard" if run_dir and options.tensorboard else None,
    )
    state = LoopState(history=history)
    if options.resume is None:
        return state
    saved = load_resume_checkpoint(Path(options.resume))
    try:
        unwrap(model).load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
    except (RuntimeError, ValueError, KeyError) as err:
        raise CheckpointError(
            f"{options.resume} was written for another model or optimizer configuration."
        ) from err
    if scheduler is not None and saved.get("scheduler") is not None:
        scheduler.load_state_dict(saved["scheduler"])
    scaler.load_state_dict(saved["scaler"])
    restore_rng_state(saved["rng"])
    generator = getattr(train_loader, "generator", None)
    if isinstance(generator, torch.Generator) and saved.get("loader_rng") is not None:
        generator.set_state(saved["loader_rng"])
    history.records.extend(saved["history"])
    state.epoch, state.step = saved["epoch"], saved["step"]
    state.best_value, state.best_epoch = saved["best_value"], saved["best_epoch"]
    state.bad_epochs = saved["bad_epochs"]
    state.stopped_early = bool(saved.get("stopped_early", False))
    best_path = Path(options.resume).parent / MODEL_WEIGHTS
    if Path(options.resume).is_dir():
        best_path = Path(options.resume) / MODEL_WEIGHTS
    if best_path.is_file():
        best_model = _cpu_copy(model)
        load_weights(best_model, best_path)
        state.best_state = best_model.state_dict()
    return state


def _cpu_copy(model: torch.nn.Module) -> torch.nn.Module:
    import copy

    return copy.deepcopy(unwrap(model)).cpu()


def end_epoch(
    state: LoopState,
    record: dict[str, Any],
    options: LoopOptions,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    train_loader: Any,
    is_main: bool = True,
) -> bool:
    """Record the epoch, keep the best weights, write the resume checkpoint; True means stop."""
    # a step at the end of the epoch can blow the weights up: that shows only in val/loss
    for key in ("train/loss", "val/loss"):
        if key in record:
            check_finite(float(record[key]), record["epoch"], options.run_dir, key)
    if options.monitor is not None and options.monitor not in record:
        keys = ", ".join(k for k in record if k != "epoch")
        raise UserError(f"Cannot monitor {options.monitor!r}: the history has {keys}.")
    state.epoch = record["epoch"]
    if is_main:
        state.history.append(record)
    value = float(record[options.monitor]) if options.monitor is not None else float(state.epoch)
    improved = (
        options.monitor is None
        or state.best_value is None
        or (value < state.best_value if options.mode == "min" else value > state.best_value)
    )
    if improved:
        state.best_value, state.best_epoch, state.bad_epochs = value, state.epoch, 0
        state.best_state = {
            k: v.detach().cpu().clone() for k, v in unwrap(model).state_dict().items()
        }
        if options.run_dir is not None and is_main:
            save_weights(model, options.run_dir / MODEL_WEIGHTS)
    else:
        state.bad_epochs += 1
    state.stopped_early = options.patience is not None and state.bad_epochs >= options.patience
    if options.run_dir is not None and is_main:
        save_resume_checkpoint(
            options.run_dir / RESUME_CHECKPOINT,
            resume_payload(state, model, optimizer, scheduler, scaler, train_loader),
        )
    return state.stopped_early


def resume_payload(
    state: LoopState,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    train_loader: Any,
) -> dict[str, Any]:
    generator = getattr(train_loader, "generator", None)
    return {
        "format_version": FORMAT_VERSION,
        "model": {k: v.detach().cpu() for k, v in unwrap(model).state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "scaler": scaler.state_dict(),
        "epoch": state.epoch,
        "step": state.step,
        "best_value": state.best_value,
        "best_epoch": state.best_epoch,
        "bad_epochs": state.bad_epochs,
        "stopped_early": state.stopped_early,
        "history": [dict(r) for r in state.history.records],
        "rng": capture_rng_state(),
        "loader_rng": generator.get_state() if isinstance(generator, torch.Generator) else None,
    }


def remaining_epochs(state: LoopState, epochs: int) -> range:
    """The epochs still to run: none once early stopping has ended the run (also after resume)."""
    return range(0) if state.stopped_early else range(state.epoch + 1, epochs + 1)


def finish_training(state: LoopState, options: LoopOptions, model: torch.nn.Module) -> History:
    """Put the best epoch's weights back (when asked) and close the loggers."""
    if options.restore_best and state.best_state is not None:
        unwrap(model).load_state_dict(state.best_state)
    state.history.close()
    return state.history


# --- Ctrl-C / SIGTERM ---------------------------------------------------------------------


class StopRequest:
    """Set by SIGINT/SIGTERM; the loops check it between steps and stop cleanly."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def check(self, state: LoopState, run_dir: Path | None) -> None:
        if self.signal_name is None:
            return
        kept = (
            f" The last completed epoch ({state.epoch}) is saved in {run_dir}."
            if run_dir and state.epoch
            else ""
        )
        raise TrainingInterrupted(
            f"Training stopped by {self.signal_name} during epoch {state.epoch + 1}.{kept}",
            run_dir=str(run_dir) if run_dir and state.epoch else None,
        )


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Turn SIGINT/SIGTERM into a `StopRequest` for the duration of training (main thread only)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signum: int, _frame: object) -> None:
        request.signal_name = signal.Signals(signum).name

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def num_batches(loader: Any, options: LoopOptions) -> int | None:
    """Batches per epoch for the progress bar (None for loaders without a length)."""
    try:
        total = len(loader)
    except TypeError:
        return None
    return total if options.max_batches is None else min(total, options.max_batches)
