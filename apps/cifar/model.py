"""Step 2, define the models: the tutorial's small net and a faster, stronger default.

    cnn       4 blocks of conv 3x3 -> BatchNorm -> GELU -> max-pool (widths 32-64-128-128)
    tutorial  conv 32, pool, conv 64, pool, dropout, adaptive max pool, linear, linear

Both take float images in [0, 1], normalise them with the training set's channel mean and
std (stored with the model, so inference needs no separate preprocessing file) and return
(B, num_classes) logits.
"""

from __future__ import annotations

from dataclasses import asdict
from itertools import pairwise
from typing import Any

import torch
from torch import nn

from .config import ModelConfig

MODEL_NAMES = {"cnn": "CifarCNN", "tutorial": "TutorialCNN"}  # --model -> class


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


class TutorialCNN(nn.Module):
    """The tutorial's net, unchanged except for returning logits for every class."""

    def __init__(self, num_classes: int, mean: list[float], std: list[float]):
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=5),
            nn.MaxPool2d(2),
            nn.Dropout2d(p=0.1),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(self.normalize(x)))  # (B, num_classes)


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
    if args["name"] == "tutorial":
        return TutorialCNN(args["num_classes"], args["mean"], args["std"])
    return CifarCNN(args["num_classes"], args["mean"], args["std"], args["width"])
