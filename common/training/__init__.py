"""Three ways to write the same training loop; `fit` picks one by name.

- `script_style.run_training_script`: one flat function, the tutorial's inline loop;
- `function_style.train_model`: `train_step` / `valid_step` / epoch functions;
- `keras_style.KerasModel`: a class with `fit` / `evaluate` / `predict`.

With the same seed on CPU all three give identical weights and history.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics import MetricCollection

from common.training.function_style import evaluate_model, train_model
from common.training.history import History
from common.training.keras_style import Callback, KerasModel
from common.training.script_style import run_training_script
from common.training.state import LoopOptions

__all__ = [
    "Callback",
    "History",
    "KerasModel",
    "LoopOptions",
    "evaluate_model",
    "fit",
    "run_training_script",
    "train_model",
]


def fit(
    loop: str,
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: Any,
    val_loader: Any,
    epochs: int,
    metrics: MetricCollection | None = None,
    scheduler: Any = None,
    options: LoopOptions | None = None,
    amp: bool | None = None,
    grad_accum_steps: int = 1,
    callbacks: tuple[Callback, ...] = (),
) -> History:
    """Train with the loop style named `loop` ("script", "function" or "class")."""
    opt = options or LoopOptions()
    if loop == "script":
        return run_training_script(
            model, loss_fn, optimizer, train_loader, val_loader, epochs, metrics, scheduler, opt
        )
    if loop == "function":
        return train_model(
            model, loss_fn, optimizer, train_loader, val_loader, epochs, metrics, scheduler, opt
        )
    if loop != "class":
        raise ValueError(f"unknown loop style {loop!r}")
    keras_model = KerasModel(
        model,
        loss_fn,
        optimizer,
        metrics=metrics,
        scheduler=scheduler,
        scheduler_interval=opt.scheduler_interval,
        device=opt.device,
        amp=amp if amp is not None else (opt.amp_dtype is not None),
        grad_clip=opt.grad_clip,
        grad_accum_steps=grad_accum_steps,
        callbacks=callbacks,
    )
    return keras_model.fit(
        train_loader,
        val_loader,
        epochs,
        monitor=opt.monitor,
        mode=opt.mode,
        patience=opt.patience,
        run_dir=opt.run_dir,
        resume=opt.resume,
        max_batches=opt.max_batches,
        progress=opt.progress,
        tensorboard=opt.tensorboard,
    )
