"""--model tutorial: the tutorial's own small net, the baseline the default CNN is measured by.

    refapps cifar train --model tutorial --epochs 10 --lr 0.05 --loop class

conv 32, pool, conv 64, pool, dropout, adaptive max pool, linear, linear, as in the tutorial
(eat_pytorch_in_20_days, chapter 1-2), except that it returns a logit for every class and
normalises its input like the default CNN. `refapps bench cifar` trains it beside the default.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..model import Normalize
from ..model import build_model as build_default


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


def build_model(args: dict[str, Any]) -> nn.Module:
    """model.json's `model_args` -> the tutorial's net, or the default CNN for `cnn`."""
    if args["name"] == "tutorial":
        return TutorialCNN(args["num_classes"], args["mean"], args["std"])
    return build_default(args)
