"""Script style: the whole training loop spelled out in one function, for reading.

This is the tutorial's inline loop, minus its bugs: the optimizer, loss and metrics are
passed in (not attached to the model), metrics accumulate over the epoch instead of being
averaged per batch, and the best weights are saved, never reloaded mid-training.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics import MetricCollection

from common.console import TrainingProgress
from common.device import autocast_for, make_grad_scaler
from common.metrics import compute_metrics, split_metrics
from common.training.history import History
from common.training.state import (
    LoopOptions,
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


def run_training_script(
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
    """Train `model` for `epochs` and return the per-epoch history."""
    opt = options or LoopOptions()
    device = opt.device
    model.to(device)
    scaler = make_grad_scaler(device, opt.amp_dtype)
    train_metrics = split_metrics(metrics, "train")
    val_metrics = split_metrics(metrics, "val")
    for m in (train_metrics, val_metrics):
        if m is not None:
            m.to(device)
    state = begin_training(opt, model, optimizer, scheduler, scaler, train_loader)

    with stop_on_signals() as stop, TrainingProgress(opt.progress) as bar:
        for epoch in remaining_epochs(state, epochs):
            # 1. train: forward, loss, backward, (clip), step, (per-step schedule)
            model.train()
            loss_sum, count = torch.zeros((), device=device), 0
            bar.start(f"epoch {epoch}/{epochs} train", num_batches(train_loader, opt))
            for batch_index, batch in enumerate(train_loader):
                if opt.max_batches is not None and batch_index >= opt.max_batches:
                    break
                stop.check(state, opt.run_dir)
                x, y = move_to(batch, device)
                with autocast_for(device, opt.amp_dtype):
                    logits = model(x)
                    loss = loss_fn(logits, y)
                scaler.scale(loss).backward()
                if opt.grad_clip is not None:
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), opt.grad_clip)
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                if scheduler is not None and opt.scheduler_interval == "step":
                    scheduler.step()
                state.step += 1
                # in place: a new tensor per step costs more than the tiny step itself
                loss_sum.add_(loss.detach().float(), alpha=len(y))
                count += len(y)
                if train_metrics is not None:
                    train_metrics.update(logits.detach(), y)
                if bar.due():  # the only host sync inside the epoch, and a throttled one
                    running = float(loss_sum) / count
                    check_finite(running, epoch, opt.run_dir)
                    bar.advance(f"loss {running:.4f}")
                else:
                    bar.advance()
            record: dict[str, Any] = {"epoch": epoch, "train/loss": float(loss_sum) / max(count, 1)}
            record |= compute_metrics(train_metrics)

            # 2. validate: no gradients, eval mode (dropout off, batch-norm running stats)
            model.eval()
            loss_sum, count = torch.zeros((), device=device), 0
            bar.start(f"epoch {epoch}/{epochs} valid", num_batches(val_loader, opt))
            with torch.no_grad():
                for batch_index, batch in enumerate(val_loader):
                    if opt.max_batches is not None and batch_index >= opt.max_batches:
                        break
                    x, y = move_to(batch, device)
                    with autocast_for(device, opt.amp_dtype):
                        logits = model(x)
                        loss = loss_fn(logits, y)
                    loss_sum.add_(loss.detach().float(), alpha=len(y))
                    count += len(y)
                    if val_metrics is not None:
                        val_metrics.update(logits, y)
                    bar.advance()
            record["val/loss"] = float(loss_sum) / max(count, 1)
            record |= compute_metrics(val_metrics)
            record["lr"] = current_lr(optimizer)

            # 3. end of epoch: schedule, history, best weights, resume checkpoint, early stop
            if scheduler is not None and opt.scheduler_interval == "epoch":
                step_scheduler_epoch(scheduler, record, opt.monitor)
            stop_now = end_epoch(
                state, record, opt, model, optimizer, scheduler, scaler, train_loader
            )
            bar.epoch_summary(record)
            if stop_now:
                break
    return finish_training(state, opt, model)
