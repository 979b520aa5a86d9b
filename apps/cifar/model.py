"""Step 2 of 6, define the model: a small, fast CNN that returns logits.

    refapps cifar train --width 32      # 4 blocks of conv 3x3 -> BatchNorm -> GELU -> max-pool

Float images in [0, 1] in, normalised with the training set's channel mean and std (kept in
model.json: no preprocessing file), (B, num_classes) logits out. The tutorial's own net
(`--model tutorial`) is in `extras/tutorial_net.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from itertools import pairwise
from typing import Any

import torch
from torch import nn

from common.errors import UserError

from .config import ModelConfig

ModelBuilder = Callable[[dict[str, Any]], nn.Module]  # model.json's model_args -> a model


class Normalize(nn.Module):
    """(x - mean) / std per channel; the statistics are saved in model.json, not as weights."""

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """conv 3x3 -> BatchNorm -> GELU -> max-pool: halves the resolution."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.GELU(),
        nn.MaxPool2d(2),
    )


class CifarCNN(nn.Module):
    """(B, 3, H, W) in [0, 1] -> (B, num_classes) logits; VGG-style, fast on a CPU."""

    def __init__(self, num_classes: int, mean: list[float], std: list[float], width: int = 32):
        super().__init__()
        widths = [3, width, 2 * width, 4 * width, 4 * width]
        self.normalize = Normalize(mean, std)
        self.blocks = nn.Sequential(*(conv_block(a, b) for a, b in pairwise(widths)))
        self.pool = nn.AdaptiveMaxPool2d(1)  # any input size -> (B, C, 1, 1)
        self.head = nn.Linear(widths[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.normalize(x))  # (B, 4w, H/16, W/16)
        return self.head(self.pool(x).flatten(1))  # (B, num_classes)


class FlipAveraged(nn.Module):
    """Test-time augmentation: average the logits of the image and its mirror image."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.model(x) + self.model(x.flip(3))) / 2


def model_args(
    cfg: ModelConfig, num_classes: int, mean: list[float], std: list[float]
) -> dict[str, Any]:
    """The constructor arguments, as saved in model.json to rebuild the model later."""
    args = {k: v for k, v in asdict(cfg).items() if k != "compile"}
    return args | {"num_classes": num_classes, "mean": mean, "std": std}


def build_model(args: dict[str, Any]) -> nn.Module:
    """The model that `model_args` describe (model.json); other models are built by extras/."""
    if args["name"] != "cnn":
        raise UserError(f"--model {args['name']} is built by apps/cifar/extras/.")
    return CifarCNN(args["num_classes"], args["mean"], args["std"], args["width"])
