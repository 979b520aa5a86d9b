"""The resume checkpoint of a loop: what `last.pt` holds, and putting it back.

    restore_state(state, Path("runs/titanic/20260101-120000"), model, optimizer, ...)

Model, optimizer, scheduler, scaler, epoch, step, early-stopping state, history, every RNG
and the loader's shuffling generator: a resumed run ends with the weights of an
uninterrupted one (`tests/common/test_resume.py`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from common.checkpoint import (
    FORMAT_VERSION,
    MODEL_WEIGHTS,
    capture_rng_state,
    load_resume_checkpoint,
    load_weights,
    restore_rng_state,
    unwrap,
)
from common.errors import CheckpointError

if TYPE_CHECKING:
    from common.training.state import LoopState


def _loader_generator(loader: Any) -> torch.Generator | None:
    generator = getattr(loader, "generator", None)
    return generator if isinstance(generator, torch.Generator) else None


def restore_state(
    state: LoopState,
    resume: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    train_loader: Any,
) -> None:
    """Load `resume` (a run folder or its `last.pt`) into the parts and into `state`."""
    saved = load_resume_checkpoint(Path(resume))
    try:
        unwrap(model).load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        if scheduler is not None and saved.get("scheduler") is not None:
            scheduler.load_state_dict(saved["scheduler"])
        scaler.load_state_dict(saved["scaler"])
        restore_rng_state(saved["rng"])
        generator = _loader_generator(train_loader)
        if generator is not None and saved.get("loader_rng") is not None:
            generator.set_state(saved["loader_rng"])
        state.history.records.extend(saved["history"])
        state.epoch, state.step = saved["epoch"], saved["step"]
        state.best_value, state.best_epoch = saved["best_value"], saved["best_epoch"]
        state.bad_epochs = saved["bad_epochs"]
    except (RuntimeError, ValueError, KeyError, TypeError) as err:
        raise CheckpointError(
            f"{resume} was written for another model or optimizer configuration "
            f"({type(err).__name__}: {err!s:.120}); resume with that run's settings."
        ) from err
    state.stopped_early = bool(saved.get("stopped_early", False))
    run_dir = Path(resume) if Path(resume).is_dir() else Path(resume).parent
    if (run_dir / MODEL_WEIGHTS).is_file():
        best_model = copy.deepcopy(unwrap(model)).cpu()
        load_weights(best_model, run_dir / MODEL_WEIGHTS)
        state.best_state = best_model.state_dict()


def resume_payload(
    state: LoopState,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    train_loader: Any,
) -> dict[str, Any]:
    """Everything `restore_state` needs, as tensors and plain values (weights_only-loadable)."""
    generator = _loader_generator(train_loader)
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
        "loader_rng": generator.get_state() if generator is not None else None,
    }
