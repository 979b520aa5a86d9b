"""Learning-rate range test (Smith 2015, as in fastai's `lr_find`).

Raise the learning rate exponentially over a few hundred steps, record the smoothed loss,
stop once it explodes, and suggest a rate a little before the loss is lowest. The model
and optimizer are put back as they were afterwards.

    refapps titanic lr-find

`find_lr` is the sweep plus its plot; `common.commands.add_lr_find_command` mounts the `lr-find`
command on an app's Typer app (torch-free), so an app only writes how to build its model,
loss and loader.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from common.device import autocast_for
from common.training.steps import move_to


@dataclass
class LrFindResult:
    lrs: list[float]
    losses: list[float]
    suggested_lr: float
    plot_path: Path | None = None


def lr_range_test(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: Any,
    device: torch.device,
    start_lr: float = 1e-6,
    end_lr: float = 1.0,
    num_steps: int = 100,
    amp_dtype: torch.dtype | None = None,
) -> LrFindResult:
    """Sweep from `start_lr` to `end_lr`; returns the curve and a suggested learning rate."""
    model_state = copy.deepcopy(model.state_dict())
    optimizer_state = copy.deepcopy(optimizer.state_dict())
    factor = (end_lr / start_lr) ** (1 / max(num_steps - 1, 1))
    lrs, losses = [], []
    smoothed, best = 0.0, math.inf
    model.to(device).train()
    batches = _cycle(loader)
    for step in range(num_steps):
        lr = start_lr * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = move_to(next(batches), device)
        with autocast_for(device, amp_dtype):
            loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = float(loss.detach())  # one sync per step is fine for a short sweep
        smoothed = 0.9 * smoothed + 0.1 * value if step else value
        debiased = smoothed / (1 - 0.9 ** (step + 1))
        if not math.isfinite(debiased) or (step > 10 and debiased > 4 * best):
            break
        best = min(best, debiased)
        lrs.append(lr)
        losses.append(debiased)
    model.load_state_dict(model_state)
    optimizer.load_state_dict(optimizer_state)
    return LrFindResult(lrs, losses, suggest_lr(lrs, losses))


def suggest_lr(lrs: list[float], losses: list[float]) -> float:
    """A tenth of the rate with the lowest loss: still on the steep, stable part of the curve."""
    if not lrs:
        return 1e-3
    return lrs[min(range(len(losses)), key=losses.__getitem__)] / 10


def plot_lr_find(result: LrFindResult, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from common.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(result.lrs, result.losses)
    ax.axvline(
        result.suggested_lr,
        color="tab:red",
        linestyle="--",
        label=f"suggested {result.suggested_lr:.1e}",
    )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed training loss")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, path)
    result.plot_path = path
    return path


def _cycle(loader: Any) -> Any:
    while True:
        yield from loader


def find_lr(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: Any,
    device: torch.device,
    plot_path: Path,
    end_lr: float = 1.0,
) -> LrFindResult:
    """`lr_range_test` on `loader`, with the curve saved to `plot_path` (what every app does)."""
    result = lr_range_test(model, loss_fn, optimizer, loader, device, end_lr=end_lr)
    plot_lr_find(result, plot_path)
    return result
