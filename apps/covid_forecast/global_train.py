"""Step 3b, train the global model on the windows of many countries with a pinball loss.

    refapps covid_forecast train --model global

`fit_global(daily, cfg)` takes a (dates x countries) frame of daily new counts, cuts every
complete (input_days + horizon) window of every country, and trains the members side by
side with the quantile (pinball) loss in the scaled log1p space: an error of 10 % costs the
same at 100 and at 100,000 cases, which is what sMAPE and MASE measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from torchmetrics import Metric, MetricCollection

from common.batches import TensorBatches
from common.device import seed_everything
from common.errors import UserError
from common.training import LoopOptions, fit

from .config import GlobalConfig
from .global_model import (
    QUANTILES,
    CovidGlobalEnsemble,
    build_global_model,
    global_model_args,
    pack_windows,
    scale_windows,
    unscale,
)


class PinballLoss(nn.Module):
    """Weighted mean quantile loss of (B, [E,] H, 3) predictions.

    Targets are (B, H + 2): the H scaled targets, each window's weight, then its level.
    """

    def __init__(self, quantiles: tuple[float, ...] = QUANTILES) -> None:
        super().__init__()
        self.register_buffer("q", torch.tensor(quantiles), persistent=False)

    def forward(self, preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        targets, weight = targets[:, :-2], targets[:, -2]
        if preds.dim() == 4:  # an ensemble: every member gets its own loss
            targets = targets[:, None]
        diff = targets[..., None] - preds  # (B, [E,] H, 3)
        loss = torch.maximum(self.q * diff, (self.q - 1) * diff)
        per_window = loss.reshape(len(weight), -1).mean(1)
        return (per_window * weight).sum() / weight.sum()


@dataclass
class GlobalWindows:
    x: torch.Tensor  # (N, input_days + 2) packed inputs
    y: torch.Tensor  # (N, horizon + 2): log1p(count) - level, the window's weight, its level


def make_global_windows(daily: pd.DataFrame, cfg: GlobalConfig) -> GlobalWindows:
    """Every complete window of every column of `daily` (dates x countries, counts >= 0)."""
    values = np.clip(daily.to_numpy(dtype=np.float64), 0, None)  # (T, S)
    span = cfg.input_days + cfg.horizon
    first = 0 if cfg.recent_days is None else max(0, len(values) - cfg.recent_days - span + 1)
    starts = np.arange(first, len(values) - span + 1)
    if len(starts) == 0:
        raise UserError(f"Need more than {span} days of data to train the global model.")
    idx = starts[:, None] + np.arange(span)[None, :]  # (W, span)
    windows = values[idx].transpose(2, 0, 1).reshape(-1, span)  # (S * W, span)
    weekday = np.tile(daily.index[starts + cfg.input_days].weekday.to_numpy(), values.shape[1])
    keep = windows[:, : cfg.input_days].sum(1) > 0  # a country before its first case: no signal
    windows, weekday = windows[keep], weekday[keep]
    x = pack_windows(windows[:, : cfg.input_days], weekday, cfg.level_days)
    _, level = scale_windows(windows[:, : cfg.input_days], cfg.level_days)
    y = torch.log1p(torch.as_tensor(windows[:, cfg.input_days :], dtype=torch.float32))
    weight = torch.exp(cfg.level_weight * (level - level.max()))  # big countries count more
    return GlobalWindows(x, torch.cat([y - level[:, None], weight[:, None], level[:, None]], 1))


class CountSmape(Metric):
    """sMAPE of the median forecast in counts (what the backtest reports), from scaled outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: torch.Tensor, targets: torch.Tensor) -> None:
        median = preds.mean(1)[..., 1] if preds.dim() == 4 else preds[..., 1]  # (B, H)
        level = targets[:, -1:]
        forecast, actual = unscale(median, level[:, 0]), unscale(targets[:, :-2], level[:, 0])
        total = forecast + actual
        ratio = torch.where(total > 0, 2 * (forecast - actual).abs() / total.clamp(min=1e-9), 0)
        self.total += ratio.sum().double()
        self.count += ratio.numel()

    def compute(self) -> torch.Tensor:
        return (self.total / self.count.clamp(min=1)).float()


def fit_global(
    daily: pd.DataFrame,
    cfg: GlobalConfig,
    val_daily: pd.DataFrame | None = None,
    device: torch.device | None = None,
    progress: bool = False,
) -> tuple[CovidGlobalEnsemble, list[dict[str, float]]]:
    """Train the global ensemble on `daily`; `val_daily` (later days) only feeds the history."""
    seed_everything(cfg.seed)
    train = make_global_windows(daily, cfg)
    val = make_global_windows(val_daily, cfg) if val_daily is not None else train
    model = build_global_model(global_model_args(cfg))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    batches = TensorBatches(
        train.x, train.y, cfg.batch_size, torch.Generator().manual_seed(cfg.seed)
    )
    total_steps = cfg.epochs * len(batches)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, cfg.lr, total_steps=total_steps)
    options = LoopOptions(
        device=device or torch.device("cpu"),
        monitor=None,  # a fixed number of epochs, chosen on a validation split in time
        progress=progress,
        scheduler_interval="step",
    )
    val_batches = [(val.x[i : i + 4096], val.y[i : i + 4096]) for i in range(0, len(val.x), 4096)]
    history = fit(
        "function",
        model,
        PinballLoss(),
        optimizer,
        batches,
        val_batches,
        cfg.epochs,
        MetricCollection({"smape": CountSmape()}),
        scheduler,
        options,
    )
    return model.cpu().eval(), history.records
