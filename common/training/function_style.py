"""Function style: `train_step`, `valid_step`, one function per epoch, and `train_model`.

The same loop as `script_style`, cut into pieces you can test and reuse one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.console import TrainingProgress
from common.device import autocast_for, make_grad_scaler
from common.metrics import compute_metrics, split_metrics
from common.training.history import History
from common.training.state import (
    LoopOptions,
    LoopState,
    begin_training,
    check_finite,
    current_lr,
    end_epoch,
    finish_training,
    move_to,
    num_batches,
    remaining_epochs,
    step_scheduler_epoch,
    stop_on_signals,
)


@dataclass
class StepContext:
    """What a step needs besides the model, batch, loss and optimizer."""

    device: torch.device
    amp_dtype: torch.dtype | None
    scaler: torch.amp.GradScaler
    grad_clip: float | None = None


def train_step(
    model: torch.nn.Module,
    batch: Any,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    ctx: StepContext,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One optimisation step; returns the (detached) loss, logits and targets."""
    x, y = move_to(batch, ctx.device)
    with autocast_for(ctx.device, ctx.amp_dtype):
        logits = model(x)
        loss = loss_fn(logits, y)
    ctx.scaler.scale(loss).backward()
    if ctx.grad_clip is not None:
        ctx.scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), ctx.grad_clip)
    ctx.scaler.step(optimizer)
    ctx.scaler.update()
    optimizer.zero_grad(set_to_none=True)
    return loss.detach(), logits.detach(), y


@torch.no_grad()
def valid_step(
    model: torch.nn.Module, batch: Any, loss_fn: torch.nn.Module, ctx: StepContext
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One evaluation step; returns the loss, logits and targets."""
    x, y = move_to(batch, ctx.device)
    with autocast_for(ctx.device, ctx.amp_dtype):
        logits = model(x)
        loss = loss_fn(logits, y)
    return loss, logits, y


def train_epoch(
    model: torch.nn.Module,
    loader: Any,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    ctx: StepContext,
    state: LoopState,
    options: LoopOptions,
    metrics: MetricCollection | None = None,
    scheduler: Any = None,
    bar: TrainingProgress | None = None,
    stop: Any = None,
) -> dict[str, float]:
    """Train for one epoch; returns `{"train/loss": ..., "train/<metric>": ...}`."""
    bar = bar or TrainingProgress(enabled=False)
    model.train()
    loss_sum, count = torch.zeros((), device=ctx.device), 0
    for batch_index, batch in enumerate(loader):
        if options.max_batches is not None and batch_index >= options.max_batches:
            break
        if stop is not None:
            stop.check(state, options.run_dir)
        loss, logits, y = train_step(model, batch, loss_fn, optimizer, ctx)
        if scheduler is not None and options.scheduler_interval == "step":
            scheduler.step()
        state.step += 1
        loss_sum.add_(loss.float(), alpha=len(y))
        count += len(y)
        if metrics is not None:
            metrics.update(logits, y)
        if bar.due():
            running = float(loss_sum) / count
            check_finite(running, state.epoch + 1, options.run_dir)
            bar.advance(f"loss {running:.4f}")
        else:
            bar.advance()
    return {"train/loss": float(loss_sum) / max(count, 1)} | compute_metrics(metrics)


def valid_epoch(
    model: torch.nn.Module,
    loader: Any,
    loss_fn: torch.nn.Module,
    ctx: StepContext,
    options: LoopOptions,
    metrics: MetricCollection | None = None,
    bar: TrainingProgress | None = None,
    split: str = "val",
) -> dict[str, float]:
    """One pass over `loader`; returns `{"<split>/loss": ..., "<split>/<metric>": ...}`."""
    bar = bar or TrainingProgress(enabled=False)
    model.eval()
    loss_sum, count = torch.zeros((), device=ctx.device), 0
    for batch_index, batch in enumerate(loader):
        if options.max_batches is not None and batch_index >= options.max_batches:
            break
        loss, logits, y = valid_step(model, batch, loss_fn, ctx)
        loss_sum.add_(loss.detach().float(), alpha=len(y))
        count += len(y)
        if metrics is not None:
            metrics.update(logits, y)
        bar.advance()
    return {f"{split}/loss": float(loss_sum) / max(count, 1)} | compute_metrics(metrics)


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
) -> History:
    """Train `model` for `epochs` with `train_epoch` / `valid_epoch`; returns the history."""
    opt = options or LoopOptions()
    model.to(opt.device)
    ctx = StepContext(
        opt.device, opt.amp_dtype, make_grad_scaler(opt.device, opt.amp_dtype), opt.grad_clip
    )
    train_metrics, val_metrics = split_metrics(metrics, "train"), split_metrics(metrics, "val")
    for m in (train_metrics, val_metrics):
        if m is not None:
            m.to(opt.device)
    state = begin_training(opt, model, optimizer, scheduler, ctx.scaler, train_loader)
    with stop_on_signals() as stop, TrainingProgress(opt.progress) as bar:
        for epoch in remaining_epochs(state, epochs):
            bar.start(f"epoch {epoch}/{epochs} train", num_batches(train_loader, opt))
            record: dict[str, Any] = {"epoch": epoch}
            record |= train_epoch(
                model,
                train_loader,
                loss_fn,
                optimizer,
                ctx,
                state,
                opt,
                train_metrics,
                scheduler,
                bar,
                stop,
            )
            bar.start(f"epoch {epoch}/{epochs} valid", num_batches(val_loader, opt))
            record |= valid_epoch(model, val_loader, loss_fn, ctx, opt, val_metrics, bar)
            record["lr"] = current_lr(optimizer)
            if scheduler is not None and opt.scheduler_interval == "epoch":
                step_scheduler_epoch(scheduler, record, opt.monitor)
            stop_now = end_epoch(
                state, record, opt, model, optimizer, scheduler, ctx.scaler, train_loader
            )
            bar.epoch_summary(record)
            if stop_now:
                break
    return finish_training(state, opt, model)


def evaluate_model(
    model: torch.nn.Module,
    loader: Any,
    loss_fn: torch.nn.Module,
    metrics: MetricCollection | None,
    options: LoopOptions,
    split: str = "test",
) -> dict[str, float]:
    """Loss and metrics of `model` over `loader`, keyed `"{split}/{name}"`."""
    model.to(options.device)
    ctx = StepContext(options.device, options.amp_dtype, make_grad_scaler(options.device, None))
    split_copy = split_metrics(metrics, split)
    if split_copy is not None:
        split_copy.to(options.device)
    return valid_epoch(model, loader, loss_fn, ctx, options, split_copy, split=split)
