"""Function style: `train_step`, one function per epoch, and `train_model`.

    history = train_model(model, loss_fn, optimizer, train_loader, val_loader, 10,
                          metrics, scheduler, LoopOptions(grad_accum_steps=2))

The same loop as `script_style`, cut into pieces you can test and reuse one by one:
`train_step` (forward, loss, backward) then, every `grad_accum_steps` batches,
`optimizer_update`; `train_epoch` for one pass over the training batches, and
`valid_epoch` (from `evaluation.py`, built on `valid_step`) for one pass without gradients.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.device import autocast_for
from common.metrics import compute_metrics
from common.progress import TrainingProgress
from common.training.evaluation import valid_epoch
from common.training.history import History
from common.training.options import LoopOptions
from common.training.run import (
    TrainingRun,
    end_epoch,
    finish_training,
    remaining_epochs,
    start_training,
)
from common.training.steps import (
    StopRequest,
    check_step,
    current_lr,
    is_update_step,
    limit_batches,
    mean_loss,
    move_to,
    num_batches,
    step_scheduler_epoch,
    stop_on_signals,
)


def train_step(
    model: torch.nn.Module,
    batch: Any,
    loss_fn: torch.nn.Module,
    scaler: torch.amp.GradScaler,
    opt: LoopOptions,
    sync: bool = True,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Forward, loss, backward (scaled by 1/accum); returns the detached loss, logits, targets.

    `sync=False` skips DDP's gradient all-reduce (a batch that is not an update step).
    """
    x, y = move_to(batch, opt.device)
    no_sync = getattr(model, "no_sync", None)
    with contextlib.nullcontext() if sync or no_sync is None else no_sync():
        with autocast_for(opt.device, opt.amp_dtype):
            logits = model(x)
            loss = loss_fn(logits, y)
        accum = opt.grad_accum_steps
        scaler.scale(loss / accum if accum > 1 else loss).backward()
    return loss.detach(), logits.detach(), y


def optimizer_update(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    opt: LoopOptions,
) -> None:
    """(Unscale and clip,) step, update the scaler, clear the gradients."""
    if opt.grad_clip is not None:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), opt.grad_clip)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)


def train_epoch(run: TrainingRun, bar: TrainingProgress, stop: StopRequest) -> dict[str, float]:
    """Train for one epoch; returns `{"train/loss": ..., "train/<metric>": ...}`."""
    opt, model = run.options, run.model
    total = num_batches(run.train_loader, opt.max_batches)
    model.train()
    loss_sum, count = torch.zeros((), device=opt.device), 0
    for batch_index, batch in enumerate(limit_batches(run.train_loader, opt.max_batches)):
        update = is_update_step(batch_index, opt.grad_accum_steps, total)
        loss, logits, y = train_step(model, batch, run.loss_fn, run.scaler, opt, sync=update)
        check_step(loss, stop, run.epoch, opt.run_dir)
        if update:
            optimizer_update(model, run.optimizer, run.scaler, opt)
            if run.scheduler is not None and opt.scheduler_interval == "step":
                run.scheduler.step()
            run.step += 1
        loss_sum.add_(loss.float(), alpha=len(y))
        count += len(y)
        if run.train_metrics is not None:
            run.train_metrics.update(logits, y)
        bar.advance(f"loss {float(loss_sum) / count:.4f}" if bar.due() else None)
    return {"train/loss": mean_loss(loss_sum, count)} | compute_metrics(run.train_metrics)


def train_model(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: Any,
    val_loader: Any,
    epochs: int,
    metrics: MetricCollection | None = None,
    scheduler: Any = None,
    options: LoopOptions | None = None,
    on_epoch_end: Callable[[dict[str, Any]], bool] | None = None,
) -> History:
    """Train `model` for `epochs` with `train_epoch` / `valid_epoch`; returns the history.

    `on_epoch_end(record)` runs after each recorded epoch; True stops training (the class
    style's callbacks come in here).
    """
    parts = (model, loss_fn, optimizer, scheduler, train_loader, val_loader, metrics)
    run = start_training(*parts, options or LoopOptions())
    opt = run.options
    with stop_on_signals() as stop, TrainingProgress(opt.progress) as bar:
        for epoch in remaining_epochs(run, epochs):
            bar.start(
                f"epoch {epoch}/{epochs} train", num_batches(run.train_loader, opt.max_batches)
            )
            record: dict[str, Any] = {"epoch": epoch} | train_epoch(run, bar, stop)
            bar.start(f"epoch {epoch}/{epochs} valid", num_batches(run.val_loader, opt.max_batches))
            record |= valid_epoch(
                run.net, run.val_loader, loss_fn, opt, run.val_metrics, bar, opt.val_split
            )
            record["lr"] = current_lr(optimizer)
            if scheduler is not None and opt.scheduler_interval == "epoch":
                step_scheduler_epoch(scheduler, record, opt.monitor)
            stop_now = end_epoch(run, record)
            bar.epoch_summary(record)
            asked_to_stop = on_epoch_end is not None and on_epoch_end(record)
            if stop_now or asked_to_stop:
                break
    return finish_training(run)
