"""Step 2 of 6, define the model: the tutorial's LSTM + linear layer + relative-change block.

The LSTM reads a window of daily new counts as two features per series: log1p(count)
standardised with statistics fitted on the training days, and log1p(count) relative to the
window's last day (scale-free, so the trend reads the same at 100 or 10,000 cases a day).
The linear layer predicts each series' relative change, and
the block applies it to the last day and clamps at zero: tomorrow = max((1 + r) * today, 0).
The linear layer starts at zero, so an untrained model is the naive "tomorrow equals today"
forecast. `CovidEnsemble` holds several seeds' members, trained side by side.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .config import ModelConfig
from .data import Scaler

MODEL_NAME = "CovidEnsemble"


class RelativeChange(nn.Module):
    """The tutorial's block: apply relative changes (B, C) to the window's last day, clamp at 0."""

    def forward(self, rate: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp((1 + rate) * x[:, -1, :], min=0.0)


class CovidLSTM(nn.Module):
    """(B, T, C) daily new counts -> (B, C) the next day's counts."""

    def __init__(self, num_series: int, hidden_size: int, num_layers: int, scaler: Scaler) -> None:
        super().__init__()
        self.register_buffer("log_mean", torch.tensor(scaler.log_mean), persistent=False)
        self.register_buffer("log_std", torch.tensor(scaler.log_std), persistent=False)
        self.lstm = nn.LSTM(2 * num_series, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, num_series)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.block = RelativeChange()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logs = torch.log1p(x.clamp(min=0))  # (B, T, C)
        z = torch.cat([(logs - self.log_mean) / self.log_std, logs - logs[:, -1:]], dim=-1)
        hidden = self.lstm(z)[0][:, -1, :]  # (B, H): the last step's output
        return self.block(self.linear(hidden), x)


class CovidEnsemble(nn.Module):
    """(B, T, C) -> (B, E, C): every member's forecast (members differ only by their init)."""

    def __init__(
        self, num_series: int, hidden_size: int, num_layers: int, num_members: int, scaler: Scaler
    ) -> None:
        super().__init__()
        self.members = nn.ModuleList(
            CovidLSTM(num_series, hidden_size, num_layers, scaler) for _ in range(num_members)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(x) for member in self.members], dim=1)


def model_args(cfg: ModelConfig, num_series: int, scaler: Scaler) -> dict[str, Any]:
    """The constructor arguments, as saved in model.json (the scaler is plain JSON)."""
    return {
        "num_series": num_series,
        "hidden_size": cfg.hidden_size,
        "num_layers": cfg.num_layers,
        "num_members": cfg.num_members,
        "scaler": scaler.to_json(),
    }


def build_model(args: dict[str, Any]) -> CovidEnsemble:
    return CovidEnsemble(
        args["num_series"],
        args["hidden_size"],
        args["num_layers"],
        args["num_members"],
        Scaler(**args["scaler"]),
    )
