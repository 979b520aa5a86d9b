"""Train a model: `fit` runs one of three loop styles, which give identical results.

    options = LoopOptions.from_config(train_cfg, device, run_dir, resume)
    history = fit("script", model, loss_fn, optimizer, train_loader, val_loader, 10,
                  metrics, scheduler, options)

The route of a run, in the order to read it:
1. `options.py`: `LoopOptions`, everything about how to run (device, AMP, files, resume...);
2. the loop, in one of three styles: `script_style.run_training_script` (one flat
   function, the tutorial's inline loop), `function_style.train_model` (`train_step`,
   `valid_step`, one function per epoch), `keras_style.KerasModel` (a class with `fit`,
   `evaluate`, `predict`, on top of the function style);
3. `run.py`, what every style calls around its epochs: `start_training` (device, torchrun,
   resume from `last.pt`), `end_epoch` (history, best weights, `last.pt`, early stopping)
   and `finish_training`;
4. `steps.py`, the pieces inside an epoch (batches, update steps, stop on Ctrl-C or nan).
Below them: `history.py` (history.csv), `distributed.py` (torchrun), `common.checkpoint`.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics import MetricCollection

from common.training.function_style import evaluate_model, train_model
from common.training.history import History
from common.training.keras_style import Callback, KerasModel
from common.training.options import LoopOptions, pick_validation
from common.training.script_style import run_training_script

__all__ = [
    "Callback",
    "History",
    "KerasModel",
    "LoopOptions",
    "evaluate_model",
    "fit",
    "pick_validation",
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
    data = (train_loader, val_loader, epochs)
    if loop == "script":
        return run_training_script(model, loss_fn, optimizer, *data, metrics, scheduler, opt)
    if loop == "function":
        return train_model(model, loss_fn, optimizer, *data, metrics, scheduler, opt)
    if loop != "class":
        raise ValueError(f"unknown loop style {loop!r}")
    keras_model = KerasModel(model, loss_fn, optimizer, metrics, scheduler, device=opt.device)
    return keras_model.fit_loop(*data, opt)
