"""The route of one training run through common/, the same for every loop style.

    run = start_training(model, loss_fn, optimizer, scheduler, train, val, metrics, options)
    for epoch in remaining_epochs(run.state, epochs):
        ...train steps, validation...          # written out differently by each style
        if end_epoch(run, record): break      # history, best weights, last.pt, early stop
    history = finish_training(run)

`start_training` places the model, joins a torchrun job (DDP, sharded batches, files from
rank 0 only) and resumes; `end_epoch` is the only place that writes during training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.checkpoint import (
    MODEL_WEIGHTS,
    RESUME_CHECKPOINT,
    save_resume_checkpoint,
    save_weights,
    unwrap,
)
from common.device import make_grad_scaler
from common.errors import UserError
from common.metrics import split_metrics
from common.training.distributed import join_job, shard_batches
from common.training.history import History
from common.training.options import LoopOptions as LoopOptions
from common.training.resume import restore_state, resume_payload
from common.training.steps import check_finite
from common.training.steps import move_to as move_to  # where older code imports it from


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


@dataclass
class TrainingRun:
    """The parts of one run as the loop uses them (under torchrun: DDP model, sharded batches).

    `model` is what training steps call (DDP-wrapped under torchrun); `net` is the plain
    module, used for validation, which runs no collective per batch.
    """

    model: torch.nn.Module
    net: torch.nn.Module
    loss_fn: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: torch.amp.GradScaler
    train_loader: Any
    val_loader: Any
    train_metrics: MetricCollection | None
    val_metrics: MetricCollection | None
    options: LoopOptions  # this process's: no files and no progress bar on ranks > 0
    state: LoopState
    rank: int = 0
    world_size: int = 1


def start_training(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    train_loader: Any,
    val_loader: Any,
    metrics: MetricCollection | None,
    options: LoopOptions,
) -> TrainingRun:
    """Place the model, join a torchrun job if there is one, and resume if asked."""
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and options.val_split != "val":  # refuse before an epoch is spent
        raise UserError(
            "A plateau learning-rate schedule needs a validation split (--val-fraction); "
            "without one it would follow the test set."
        )
    device = options.device
    model.to(device)
    parallel, rank, world_size = join_job(model, device)
    if rank > 0:  # only rank 0 writes files and draws the bar
        options = dataclasses.replace(options, run_dir=None, progress=False, tensorboard=False)
    train_metrics, val_metrics = (
        split_metrics(metrics, "train"),
        split_metrics(metrics, options.val_split),
    )
    for m in (train_metrics, val_metrics):
        if m is not None:
            m.to(device)
    run_dir = options.run_dir
    history = History(
        csv_path=run_dir / "history.csv" if run_dir else None,
        tensorboard_dir=run_dir / "tensorboard" if run_dir and options.tensorboard else None,
    )
    state = LoopState(history=history)
    scaler = make_grad_scaler(device, options.amp_dtype)
    if options.resume is not None:
        restore_state(state, options.resume, model, optimizer, scheduler, scaler, train_loader)
    return TrainingRun(
        model=parallel,
        net=model,
        loss_fn=loss_fn,
        optimizer=optimizer,
        scheduler=scheduler,
        scaler=scaler,
        train_loader=shard_batches(train_loader, rank, world_size),
        val_loader=val_loader,  # every rank validates on all of it (see distributed.py)
        train_metrics=train_metrics,
        val_metrics=val_metrics,
        options=options,
        state=state,
        rank=rank,
        world_size=world_size,
    )


def end_epoch(run: TrainingRun, record: dict[str, Any]) -> bool:
    """Record the epoch, keep the best weights, write the resume checkpoint; True means stop."""
    state, options = run.state, run.options
    # a step at the end of the epoch can blow the weights up: that shows only in val/loss
    for key in ("train/loss", f"{options.val_split}/loss"):
        if key in record:
            check_finite(float(record[key]), record["epoch"], options.run_dir, key)
    if options.monitor is not None and options.monitor not in record:
        keys = ", ".join(k for k in record if k != "epoch")
        raise UserError(f"Cannot monitor {options.monitor!r}: the history has {keys}.")
    state.epoch = record["epoch"]
    state.history.append(record)  # synced values: the same on every rank, written by rank 0
    value = float(record[options.monitor]) if options.monitor is not None else float(state.epoch)
    improved = (
        options.monitor is None
        or state.best_value is None
        or (value < state.best_value if options.mode == "min" else value > state.best_value)
    )
    if improved:
        state.best_value, state.best_epoch, state.bad_epochs = value, state.epoch, 0
        state.best_state = {k: v.detach().cpu().clone() for k, v in run.net.state_dict().items()}
        if options.run_dir is not None:
            save_weights(run.net, options.run_dir / MODEL_WEIGHTS)
    else:
        state.bad_epochs += 1
    state.stopped_early = options.patience is not None and state.bad_epochs >= options.patience
    if options.run_dir is not None:
        payload = resume_payload(
            state, run.net, run.optimizer, run.scheduler, run.scaler, run.train_loader
        )
        save_resume_checkpoint(options.run_dir / RESUME_CHECKPOINT, payload)
    return state.stopped_early


def remaining_epochs(state: LoopState, epochs: int) -> range:
    """The epochs still to run: none once early stopping has ended the run (also after resume)."""
    return range(0) if state.stopped_early else range(state.epoch + 1, epochs + 1)


def finish_training(run: TrainingRun) -> History:
    """Put the best epoch's weights back (when asked) and close the loggers."""
    if run.options.restore_best and run.state.best_state is not None:
        unwrap(run.net).load_state_dict(run.state.best_state)
    run.state.history.close()
    return run.state.history
