"""Step 2 of 6, define the model: one network for the daily new cases of many countries.

    refapps covid_forecast train --model global      # 50 JHU countries, about a minute

Every window is scaled by its own level, as global forecasters (DeepAR, N-BEATS) do, so one
network serves a country with 50 cases a day and one with 50,000: the input is
log1p(counts) minus the level (the mean log1p count of the window's last `level_days`), and
the network predicts log1p(count) minus that level for h = 1..horizon days directly, as three
quantiles (P10, P50, P90). The band is ordered by construction (median +- softplus), and
counts come back through expm1 clamped at zero, so a forecast is never negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .config import GlobalConfig

GLOBAL_MODEL_NAME = "CovidGlobalMLP"
QUANTILES = (0.1, 0.5, 0.9)
MAX_LOG_COUNT = 23.0  # log1p of ~1e10 new cases a day: more than there are people


def scale_windows(history: np.ndarray, level_days: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, T) daily counts -> (x (N, T) in log1p minus level, level (N,))."""
    logs = torch.log1p(torch.as_tensor(np.clip(history, 0, None), dtype=torch.float32))
    level = logs[:, -level_days:].mean(1)
    return logs - level[:, None], level


def pack_windows(history: np.ndarray, weekday: np.ndarray, level_days: int) -> torch.Tensor:
    """(N, T) daily counts + weekday of each first forecast day -> (N, T + 2) model input."""
    x, level = scale_windows(history, level_days)
    day = torch.as_tensor(np.asarray(weekday), dtype=torch.float32)
    return torch.cat([x, level[:, None], day[:, None]], dim=1)


def unscale(scaled: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
    """Inverse of the scaling for outputs (N, ...) -> counts >= 0."""
    shape = (-1,) + (1,) * (scaled.dim() - 1)
    logs = (scaled + level.reshape(shape)).clamp(max=MAX_LOG_COUNT)  # finite, whatever the net
    return torch.expm1(logs).clamp(min=0.0)


class CovidGlobalMLP(nn.Module):
    """(B, T + 2) packed windows (scaled history, level, weekday) -> (B, H, 3) scaled quantiles."""

    def __init__(self, input_days: int, horizon: int, hidden_size: int) -> None:
        super().__init__()
        self.horizon = horizon
        self.body = nn.Sequential(
            nn.Linear(input_days + 1 + 7, hidden_size),
            nn.GELU(),
            nn.Linear(hidden_size, hidden_size),
            nn.GELU(),
        )
        self.head = nn.Linear(hidden_size, horizon * 3)
        nn.init.zeros_(self.head.weight)  # untrained: the level, a flat band around it
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weekday = F.one_hot(x[:, -1].long(), 7).float()  # (B, 7)
        z = torch.cat([x[:, :-2], x[:, -2:-1] / 10, weekday], dim=1)  # level / 10: ~unit scale
        out = self.head(self.body(z)).view(-1, self.horizon, 3)  # (B, H, 3)
        median = out[..., 1]
        low = median - F.softplus(out[..., 0]) - 0.01  # ordered by construction
        high = median + F.softplus(out[..., 2]) + 0.01
        return torch.stack([low, median, high], dim=-1)


class CovidGlobalEnsemble(nn.Module):
    """(B, T + 2) -> (B, E, H, 3): each member's quantiles (members differ by their init).

    Each member is trained on its own loss; a forecast averages them quantile by quantile,
    which keeps the band ordered.
    """

    def __init__(self, input_days: int, horizon: int, hidden_size: int, num_members: int) -> None:
        super().__init__()
        self.members = nn.ModuleList(
            CovidGlobalMLP(input_days, horizon, hidden_size) for _ in range(num_members)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members], dim=1)


def global_model_args(cfg: GlobalConfig) -> dict[str, Any]:
    return {
        "input_days": cfg.input_days,
        "horizon": cfg.horizon,
        "hidden_size": cfg.hidden_size,
        "num_members": cfg.num_members,
    }


def build_global_model(args: dict[str, Any]) -> CovidGlobalEnsemble:
    return CovidGlobalEnsemble(
        args["input_days"], args["horizon"], args["hidden_size"], args["num_members"]
    )


@torch.no_grad()
def forecast_quantiles(
    model: CovidGlobalEnsemble, history: np.ndarray, weekday: np.ndarray, level_days: int
) -> np.ndarray:
    """(N, input_days) daily counts, weekday of each first forecast day -> (N, H, 3) counts."""
    model.eval()
    x = pack_windows(history, weekday, level_days)
    return unscale(model(x).mean(1), x[:, -2]).numpy()
