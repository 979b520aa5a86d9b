"""The route of one training run, the same for every loop style.

    run = start_training(model, loss_fn, optimizer, scheduler, train, val, metrics, options)
    for epoch in remaining_epochs(run, epochs):
        ...train steps, validation...          # written out differently by each style
        if end_epoch(run, record): break      # history, best weights, last.pt, early stop
    history = finish_training(run)

`start_training` places the model, joins a torchrun job (DDP, sharded batches, files from
rank 0 only) and resumes; `end_epoch` is the only place that writes during training. The
resume checkpoint `last.pt` holds the model, optimizer, scheduler, scaler, epoch, step,
early-stopping state, history, every RNG and the loader's shuffling generator, so a resumed
run ends with the weights of an uninterrupted one (`tests/common/test_resume.py`).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.checkpoint import (
    FORMAT_VERSION,
    MODEL_WEIGHTS,
    RESUME_CHECKPOINT,
    load_resume_checkpoint,
    load_weights,
    save_resume_checkpoint,
    save_weights,
    unwrap,
)
from common.device import capture_rng_state, make_grad_scaler, restore_rng_state
from common.errors import CheckpointError, UserError
from common.metrics import split_metrics
from common.training.distributed import join_job, shard_batches
from common.training.history import History
from common.training.options import LoopOptions
from common.training.steps import check_finite


@dataclass
class TrainingRun:
    """One run as the loop uses it: its parts, and how far it has come.

    `model` is what training steps call (DDP-wrapped under torchrun); `net` is the plain
    module, used for validation, which runs no collective per batch. The fields from
    `history` on are what `last.pt` keeps besides the tensors, and a resume restores.
    """

    model: torch.nn.Module
    net: torch.nn.Module
    loss_fn: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: torch.amp.GradScaler
    train_loader: Any  # this rank's share under torchrun
    val_loader: Any
    train_metrics: MetricCollection | None
    val_metrics: MetricCollection | None
    options: LoopOptions  # this process's: no files and no progress bar on ranks > 0
    history: History
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    best_value: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    stopped_early: bool = False


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
    parallel, rank, world_size = join_job(model.to(device), device)
    if rank > 0:  # only rank 0 writes files and draws the bar
        options = dataclasses.replace(options, run_dir=None, progress=False, tensorboard=False)
    run = TrainingRun(
        model=parallel,
        net=model,
        loss_fn=loss_fn,
        optimizer=optimizer,
        scheduler=scheduler,
        scaler=make_grad_scaler(device, options.amp_dtype),
        train_loader=shard_batches(train_loader, rank, world_size),
        val_loader=val_loader,  # every rank validates on all of it (see distributed.py)
        train_metrics=split_metrics(metrics, "train", device),
        val_metrics=split_metrics(metrics, options.val_split, device),
        options=options,
        history=History(run_dir=options.run_dir, tensorboard=options.tensorboard),
    )
    if options.resume is not None:
        _restore(run, Path(options.resume))
    return run


def _loader_generator(loader: Any) -> torch.Generator | None:
    generator = getattr(loader, "generator", None)
    return generator if isinstance(generator, torch.Generator) else None


def _restore(run: TrainingRun, resume: Path) -> None:
    """Load `resume` (a run folder or its `last.pt`) into the run."""
    saved = load_resume_checkpoint(resume)
    try:
        unwrap(run.net).load_state_dict(saved["model"])
        run.optimizer.load_state_dict(saved["optimizer"])
        if run.scheduler is not None and saved.get("scheduler") is not None:
            run.scheduler.load_state_dict(saved["scheduler"])
        run.scaler.load_state_dict(saved["scaler"])
        restore_rng_state(saved["rng"])
        generator = _loader_generator(run.train_loader)
        if generator is not None and saved.get("loader_rng") is not None:
            generator.set_state(saved["loader_rng"])
        run.history.records.extend(saved["history"])
        run.epoch, run.step = saved["epoch"], saved["step"]
        run.best_value, run.best_epoch = saved["best_value"], saved["best_epoch"]
        run.bad_epochs = saved["bad_epochs"]
    except (RuntimeError, ValueError, KeyError, TypeError) as err:
        raise CheckpointError(
            f"{resume} was written for another model or optimizer configuration "
            f"({type(err).__name__}: {err!s:.120}); resume with that run's settings."
        ) from err
    run.stopped_early = bool(saved.get("stopped_early", False))
    run_dir = resume if resume.is_dir() else resume.parent
    if (run_dir / MODEL_WEIGHTS).is_file():
        best_model = copy.deepcopy(unwrap(run.net)).cpu()
        load_weights(best_model, run_dir / MODEL_WEIGHTS)
        run.best_state = best_model.state_dict()


def end_epoch(run: TrainingRun, record: dict[str, Any]) -> bool:
    """Record the epoch, keep the best weights, write the resume checkpoint; True means stop."""
    options = run.options
    # a step at the end of the epoch can blow the weights up: that shows only in val/loss
    for key in ("train/loss", f"{options.val_split}/loss"):
        if key in record:
            check_finite(float(record[key]), record["epoch"], options.run_dir, key)
    if options.monitor is not None and options.monitor not in record:
        keys = ", ".join(k for k in record if k != "epoch")
        raise UserError(f"Cannot monitor {options.monitor!r}: the history has {keys}.")
    run.epoch = record["epoch"]
    run.history.append(record)  # synced values: the same on every rank, written by rank 0
    value = float(record[options.monitor]) if options.monitor is not None else float(run.epoch)
    improved = (
        options.monitor is None
        or run.best_value is None
        or (value < run.best_value if options.mode == "min" else value > run.best_value)
    )
    if improved:
        run.best_value, run.best_epoch, run.bad_epochs = value, run.epoch, 0
        run.best_state = {k: v.detach().cpu().clone() for k, v in run.net.state_dict().items()}
        if options.run_dir is not None:
            save_weights(run.net, options.run_dir / MODEL_WEIGHTS)
    else:
        run.bad_epochs += 1
    run.stopped_early = options.patience is not None and run.bad_epochs >= options.patience
    if options.run_dir is not None:
        save_resume_checkpoint(options.run_dir / RESUME_CHECKPOINT, _resume_payload(run))
    return run.stopped_early


def _resume_payload(run: TrainingRun) -> dict[str, Any]:
    """Everything `_restore` needs, as tensors and plain values (weights_only-loadable)."""
    generator = _loader_generator(run.train_loader)
    return {
        "format_version": FORMAT_VERSION,
        "model": {k: v.detach().cpu() for k, v in unwrap(run.net).state_dict().items()},
        "optimizer": run.optimizer.state_dict(),
        "scheduler": run.scheduler.state_dict() if run.scheduler is not None else None,
        "scaler": run.scaler.state_dict(),
        "epoch": run.epoch,
        "step": run.step,
        "best_value": run.best_value,
        "best_epoch": run.best_epoch,
        "bad_epochs": run.bad_epochs,
        "stopped_early": run.stopped_early,
        "history": [dict(r) for r in run.history.records],
        "rng": capture_rng_state(),
        "loader_rng": generator.get_state() if generator is not None else None,
    }


def remaining_epochs(run: TrainingRun, epochs: int) -> range:
    """The epochs still to run: none once early stopping has ended the run (also after resume)."""
    return range(0) if run.stopped_early else range(run.epoch + 1, epochs + 1)


def finish_training(run: TrainingRun) -> History:
    """Put the best epoch's weights back into the model and close the loggers."""
    if run.best_state is not None:
        unwrap(run.net).load_state_dict(run.best_state)
    run.history.close()
    return run.history
