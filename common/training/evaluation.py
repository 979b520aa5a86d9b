"""Evaluation: one pass over a loader without gradients, its loss and metrics by split.

    test_metrics = evaluate_model(model, loaders.test, loss_fn, metrics, options)  # "test/..."

`evaluate_model` scores a trained model on a split (every app's `train` does, on test);
`valid_step` and `valid_epoch` are the same pass cut into pieces, which the function style
uses for its per-epoch validation. The script style writes that pass out inline.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics import MetricCollection

from common.device import autocast_for
from common.metrics import compute_metrics, split_metrics
from common.progress import TrainingProgress
from common.training.options import LoopOptions
from common.training.steps import limit_batches, mean_loss, move_to


@torch.no_grad()
def valid_step(
    model: torch.nn.Module, batch: Any, loss_fn: torch.nn.Module, opt: LoopOptions
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One evaluation step; returns the loss, logits and targets."""
    x, y = move_to(batch, opt.device)
    with autocast_for(opt.device, opt.amp_dtype):
        logits = model(x)
        loss = loss_fn(logits, y)
    return loss, logits, y


def valid_epoch(
    model: torch.nn.Module,
    loader: Any,
    loss_fn: torch.nn.Module,
    opt: LoopOptions,
    metrics: MetricCollection | None = None,
    bar: TrainingProgress | None = None,
    split: str = "val",
) -> dict[str, float]:
    """One pass over `loader`; returns `{"<split>/loss": ..., "<split>/<metric>": ...}`."""
    bar = bar or TrainingProgress(enabled=False)
    model.eval()
    loss_sum, count = torch.zeros((), device=opt.device), 0
    for batch in limit_batches(loader, opt.max_batches):
        loss, logits, y = valid_step(model, batch, loss_fn, opt)
        loss_sum.add_(loss.detach().float(), alpha=len(y))
        count += len(y)
        if metrics is not None:
            metrics.update(logits, y)
        bar.advance()
    return {f"{split}/loss": mean_loss(loss_sum, count)} | compute_metrics(metrics)


def evaluate_model(
    model: torch.nn.Module,
    loader: Any,
    loss_fn: torch.nn.Module,
    metrics: MetricCollection | None,
    options: LoopOptions,
    split: str = "test",
) -> dict[str, float]:
    """Loss and metrics of `model` over `loader`, keyed `"{split}/{name}"`.

    Under torchrun every process evaluates all of `loader` (see `common.training.distributed`).
    """
    model.to(options.device)
    split_copy = split_metrics(metrics, split, options.device)
    return valid_epoch(model, loader, loss_fn, options, split_copy, split=split)
