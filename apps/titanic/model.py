"""Step 2 of 6, define the model: a small wide-and-deep MLP, saved inside a `TitanicEnsemble`.

Each network returns one logit per passenger; the loss (`BCEWithLogitsLoss`) and the
metrics apply the sigmoid themselves, which is more stable than sigmoid + `BCELoss`. The
default run holds one network as member 0 of a `TitanicEnsemble` (weights `members.0.*`);
`--num-models N` (extras/ensemble.py) trains N of them with different seeds.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch
from torch import nn

from .config import ModelConfig

MODEL_NAME = "TitanicEnsemble"


class TitanicMLP(nn.Module):
    """(B, num_features) -> (B,) survival logits."""

    def __init__(
        self, num_features: int, hidden: tuple[int, ...] = (16,), dropout: float = 0.0
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = num_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.layers = nn.Sequential(*layers)
        # "wide" path: a logistic regression beside the MLP, so the net only has to learn
        # the interactions on top of it (it overfits less on 712 rows)
        self.linear = nn.Linear(num_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.layers(x) + self.linear(x)).squeeze(-1)  # (B, 1) -> (B,)


class TitanicEnsemble(nn.Module):
    """Independently trained `TitanicMLP`s; the output is the logit of their mean probability."""

    def __init__(
        self,
        num_features: int,
        hidden: tuple[int, ...] = (16,),
        dropout: float = 0.0,
        num_models: int = 1,
    ) -> None:
        super().__init__()
        self.members = nn.ModuleList(
            TitanicMLP(num_features, hidden, dropout) for _ in range(num_models)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.stack([m(x).sigmoid() for m in self.members]).mean(0)  # (K, B) -> (B,)
        return torch.logit(probs, eps=1e-6)


def model_args(cfg: ModelConfig, num_features: int) -> dict[str, Any]:
    """The constructor arguments, as saved in model.json to rebuild the model later."""
    return {"num_features": num_features, **asdict(cfg)}


def build_model(args: dict[str, Any]) -> TitanicEnsemble:
    return TitanicEnsemble(
        args["num_features"], tuple(args["hidden"]), args["dropout"], args.get("num_models", 1)
    )
