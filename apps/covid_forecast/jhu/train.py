"""Steps 3 and 4 of 6, train and evaluate: the global model on many countries' windows.

    refapps covid_forecast train --model global       # 50 countries, ~1-2 min on 2 cores

`fit_global(daily, cfg)` takes a (dates x countries) frame of daily new counts, cuts every
complete (input_days + horizon) window of every country, and trains the members side by
side with the quantile (pinball) loss in the scaled log1p space: an error of 10 % costs the
same at 100 and at 100,000 cases, which is what sMAPE and MASE measure. `train_global` fits
twice: once with the last `VAL_DAYS` held out, so history.csv shows the training loss next
to the validation sMAPE it should track, then on every day for the model that forecasts.
The run stores the JHU folder as an absolute path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torchmetrics import Metric, MetricCollection

from common.batches import TensorBatches
from common.checkpoint import save_model
from common.device import seed_everything
from common.errors import UserError
from common.files import atomic_write
from common.runs import RunResult, finish_run, start_run
from common.training.function_style import train_model
from common.training.options import LoopOptions

from ..scores import smape_terms
from .config import APP, GlobalConfig
from .data import SERIES, country_matrix, daily_from_cumulative, top_countries
from .model import (
    GLOBAL_MODEL_NAME,
    QUANTILES,
    CovidGlobalEnsemble,
    build_global_model,
    global_model_args,
    pack_windows,
    scale_windows,
    unscale,
)

VAL_DAYS = 28  # held out at the end: the validation curve in history.csv


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
    starts = np.arange(len(values) - span + 1)
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
        ratio = smape_terms(forecast, actual)
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
    history = train_model(
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


def train_global(
    jhu_dir: Path,
    cfg: GlobalConfig,
    runs_dir: Path,
    progress: bool = True,
    device: torch.device | None = None,
) -> RunResult:
    """Fit the global model on the top countries of the JHU files; write a run folder."""
    jhu_dir = Path(jhu_dir).expanduser().resolve()
    cumulative = country_matrix(jhu_dir, corrected=False)
    countries = top_countries(cumulative, cfg.num_countries)
    daily = daily_from_cumulative(cumulative)[countries]
    run_dir, _ = start_run(runs_dir, APP, None, data={"jhu_dir": jhu_dir}, model=cfg)
    started = time.perf_counter()
    held_out = daily.iloc[-(VAL_DAYS + cfg.input_days) :]  # targets in the last VAL_DAYS only
    _, records = fit_global(daily.iloc[:-VAL_DAYS], cfg, held_out, device, progress)
    model, _ = fit_global(daily, cfg, device=device)  # the same recipe on every day
    seconds = time.perf_counter() - started
    meta = {
        "app": APP,
        "model": GLOBAL_MODEL_NAME,
        "model_args": global_model_args(cfg),
        "level_days": cfg.level_days,
        "series": [SERIES],
        "jhu_dir": str(jhu_dir),
        "countries": countries,
        "last_day": str(daily.index[-1].date()),
        "ets_weights": [cfg.ets_weight_h1_7, cfg.ets_weight_h8_14],  # predict.py's blend
    }
    save_model(model, run_dir, meta)
    history = pd.DataFrame(records)
    atomic_write(run_dir / "history.csv", lambda tmp: history.to_csv(tmp, index=False))
    metrics = {k: float(v) for k, v in records[-1].items() if "/" in k} | {"train_seconds": seconds}
    finish_run(run_dir, records, metrics)
    return RunResult(run_dir, metrics, records, seconds)
