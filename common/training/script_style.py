"""Script style: the whole training loop spelled out in one function, for reading.

    history = run_training_script(model, loss_fn, optimizer, train_loader, val_loader, 10)

This is the tutorial's inline loop, minus its bugs: the optimizer, loss and metrics are
passed in (not attached to the model), metrics accumulate over the epoch instead of being
averaged per batch, and the best weights are saved, never reloaded mid-training.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.device import autocast_for
from common.metrics import compute_metrics
from common.progress import TrainingProgress
from common.training.history import History
from common.training.options import LoopOptions
from common.training.run import end_epoch, finish_training, remaining_epochs, start_training
from common.training.steps import (
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
    # 0. start: device, torchrun (DDP model, this rank's batches), resume, metrics per split
    parts = (model, loss_fn, optimizer, scheduler, train_loader, val_loader, metrics)
    run = start_training(*parts, options or LoopOptions())
    opt, scaler, device = run.options, run.scaler, run.options.device
    accum, no_sync = opt.grad_accum_steps, getattr(run.model, "no_sync", None)  # DDP only

    with stop_on_signals() as stop, TrainingProgress(opt.progress) as bar:
        for epoch in remaining_epochs(run, epochs):
            # 1. train: forward, loss, backward; every `accum` batches (clip,) step, schedule
            run.model.train()
            loss_sum, count = torch.zeros((), device=device), 0
            total = num_batches(run.train_loader, opt.max_batches)
            bar.start(f"epoch {epoch}/{epochs} train", total)
            for batch_index, batch in enumerate(limit_batches(run.train_loader, opt.max_batches)):
                update = is_update_step(batch_index, accum, total)
                x, y = move_to(batch, device)
                # under torchrun, gradients are all-reduced only on the update step
                with contextlib.nullcontext() if update or no_sync is None else no_sync():
                    with autocast_for(device, opt.amp_dtype):
                        logits = run.model(x)
                        loss = loss_fn(logits, y)
                    scaler.scale(loss / accum if accum > 1 else loss).backward()
                check_step(loss, stop, run.epoch, opt.run_dir)  # Ctrl-C, SIGTERM, nan/inf loss
                if update:
                    if opt.grad_clip is not None:
                        scaler.unscale_(optimizer)
                        torch.nn.utils.clip_grad_norm_(run.model.parameters(), opt.grad_clip)
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad(set_to_none=True)
                    if scheduler is not None and opt.scheduler_interval == "step":
                        scheduler.step()
                    run.step += 1
                # in place: a new tensor per step costs more than the tiny step itself
                loss_sum.add_(loss.detach().float(), alpha=len(y))
                count += len(y)
                if run.train_metrics is not None:
                    run.train_metrics.update(logits.detach(), y)
                bar.advance(f"loss {float(loss_sum) / count:.4f}" if bar.due() else None)
            record: dict[str, Any] = {"epoch": epoch, "train/loss": mean_loss(loss_sum, count)}
            record |= compute_metrics(run.train_metrics)

            # 2. validate: no gradients, eval mode (dropout off, batch-norm running stats)
            run.net.eval()
            loss_sum, count = torch.zeros((), device=device), 0
            bar.start(f"epoch {epoch}/{epochs} valid", num_batches(run.val_loader, opt.max_batches))
            with torch.no_grad():
                for batch in limit_batches(run.val_loader, opt.max_batches):
                    x, y = move_to(batch, device)
                    with autocast_for(device, opt.amp_dtype):
                        logits = run.net(x)
                        loss = loss_fn(logits, y)
                    loss_sum.add_(loss.detach().float(), alpha=len(y))
                    count += len(y)
                    if run.val_metrics is not None:
                        run.val_metrics.update(logits, y)
                    bar.advance()
            record[f"{opt.val_split}/loss"] = mean_loss(loss_sum, count)
            record |= compute_metrics(run.val_metrics) | {"lr": current_lr(optimizer)}

            # 3. end of epoch: schedule, history, best weights, resume checkpoint, early stop
            if scheduler is not None and opt.scheduler_interval == "epoch":
                step_scheduler_epoch(scheduler, record, opt.monitor)
            stop_now = end_epoch(run, record)
            bar.epoch_summary(record)
            if stop_now:
                break
    return finish_training(run)
