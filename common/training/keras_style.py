"""Class style: a Keras-like `KerasModel` with `fit`, `evaluate` and `predict`.

    model = KerasModel(net, loss_fn, optimizer, metrics=binary_metrics())
    history = model.fit(train_loader, val_loader, epochs=10, run_dir=Path("runs/x"))

The loss, optimizer and metrics are given to the constructor, never attached to `net`.
`fit` turns its arguments into one `LoopOptions` and hands it to `fit_loop`, which runs the
function-style loop (`train_model`) with the callbacks around it. `fit_keras_model` is this
style with the call of the other two (`TrainingLoop`): what an app's `train()` calls. Under
`torchrun --nproc_per_node=N` it trains data-parallel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.device import amp_dtype, autocast_for, pick_device
from common.training.evaluation import evaluate_model
from common.training.function_style import train_model
from common.training.history import History
from common.training.options import LoopOptions
from common.training.steps import move_to


class Callback:
    """Override any of these; set `keras_model.stop_training = True` to stop after an epoch."""

    def on_fit_start(self, keras_model: KerasModel) -> None: ...

    def on_epoch_end(self, keras_model: KerasModel, record: dict[str, Any]) -> None: ...

    def on_fit_end(self, keras_model: KerasModel, history: History) -> None: ...


class KerasModel:
    """Holds the network with its loss, optimizer, metrics and scheduler, given explicitly."""

    def __init__(
        self,
        net: torch.nn.Module,
        loss_fn: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        metrics: MetricCollection | None = None,
        scheduler: Any = None,
        scheduler_interval: str = "epoch",
        device: str | torch.device = "auto",
        amp: bool | None = None,
        grad_clip: float | None = None,
        grad_accum_steps: int = 1,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.net = net
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = metrics
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.amp = amp
        self.grad_clip = grad_clip
        self.grad_accum_steps = grad_accum_steps
        self.callbacks = list(callbacks)
        self.stop_training = False
        self.history: History | None = None

    def fit(self, train_loader: Any, val_loader: Any, epochs: int, **options: Any) -> History:
        """Train for `epochs` (or until early stopping); files go to `run_dir` from rank 0.

        `options` are `LoopOptions` fields (`run_dir`, `resume`, `monitor`, `mode`,
        `patience`, `max_batches`, `progress`, `tensorboard`...); how each step runs comes
        from this model (device, AMP, clipping, accumulation, scheduler interval).
        """
        steps = {
            "device": self.device,
            "amp_dtype": amp_dtype(self.device, self.amp),
            "grad_clip": self.grad_clip,
            "grad_accum_steps": self.grad_accum_steps,
            "scheduler_interval": self.scheduler_interval,
        }
        return self.fit_loop(train_loader, val_loader, epochs, LoopOptions(**steps, **options))

    def fit_loop(
        self, train_loader: Any, val_loader: Any, epochs: int, options: LoopOptions
    ) -> History:
        """Train with `options` as they are (their device, AMP and accumulation win)."""
        self.stop_training = False
        for callback in self.callbacks:
            callback.on_fit_start(self)

        def epoch_end(record: dict[str, Any]) -> bool:
            for callback in self.callbacks:
                callback.on_epoch_end(self, record)
            return self.stop_training

        parts = (self.net, self.loss_fn, self.optimizer, train_loader, val_loader, epochs)
        self.history = train_model(*parts, self.metrics, self.scheduler, options, epoch_end)
        for callback in self.callbacks:
            callback.on_fit_end(self, self.history)
        return self.history

    def evaluate(
        self, loader: Any, split: str = "val", max_batches: int | None = None
    ) -> dict[str, float]:
        """Loss and metrics over one pass of `loader`, keyed `"{split}/{name}"`."""
        options = LoopOptions(
            device=self.device, amp_dtype=amp_dtype(self.device, self.amp), max_batches=max_batches
        )
        return evaluate_model(self.net, loader, self.loss_fn, self.metrics, options, split)

    @torch.no_grad()
    def predict(self, loader: Any) -> torch.Tensor:
        """Concatenated raw outputs (logits) for every batch; batches may be `x` or `(x, y)`."""
        self.net.to(self.device).eval()
        outputs = []
        dtype = amp_dtype(self.device, self.amp)
        for batch in loader:
            x = batch[0] if isinstance(batch, tuple | list) else batch
            with autocast_for(self.device, dtype):
                outputs.append(self.net(move_to(x, self.device)).float().cpu())
        return torch.cat(outputs)


def fit_keras_model(
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
    """Train `model` in a `KerasModel` with `options` as they are; returns the history."""
    opt = options or LoopOptions()
    keras_model = KerasModel(model, loss_fn, optimizer, metrics, scheduler, device=opt.device)
    return keras_model.fit_loop(train_loader, val_loader, epochs, opt)
