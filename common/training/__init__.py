"""Three ways to write the same training loop; `fit` picks one by name.

    history = fit("script", model, loss_fn, optimizer, train_loader, val_loader, 10,
                  metrics, scheduler, LoopOptions(grad_accum_steps=2))

- `script_style.run_training_script`: one flat function, the tutorial's inline loop;
- `function_style.train_model`: `train_step` / `valid_step` / epoch functions;
- `keras_style.KerasModel`: a class with `fit` / `evaluate` / `predict`.

With the same seed on CPU all three give identical weights and history. Each follows the
same route: `state.start_training`, the steps of `steps.py`, `state.end_epoch` per epoch,
`state.finish_training`.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics import MetricCollection

from common.training.function_style import evaluate_model, train_model
from common.training.history import History
from common.training.keras_style import Callback, KerasModel
from common.training.options import LoopOptions
from common.training.script_style import run_training_script

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
) -> History:
    """Train with the loop style named `loop` ("script", "function" or "class").

    Everything about how to train (device, AMP, clipping, accumulation, files) is in
    `options`.
    """
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
    keras_model = KerasModel(model, loss_fn, optimizer, metrics, scheduler, device=opt.device)
    return keras_model.fit_loop(train_loader, val_loader, epochs, opt)
