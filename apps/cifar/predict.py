"""Step 5 of 6, use the model: image files in, class probabilities out.

    refapps cifar predict photos/ cat.png --out predictions.csv

The CLI and the page both call `load_predictor(run_dir)`, so inference exists once. Any size
and mode becomes the training size in RGB (`images.py`); an unreadable file gets its own error
while the others are still predicted. Classes are named as people read them (`airplane`, not
`0_airplane`). Loading a run executes no code: safetensors weights, the rest JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from common.checkpoint import load_model, read_model_meta
from common.errors import UserError

from .config import APP
from .data import display_names
from .images import decode_image
from .model import FlipAveraged, ModelBuilder, build_model

BATCH_SIZE = 512


@dataclass
class Prediction:
    """One image's result: the top class and every class's probability, or an error."""

    name: str
    label: str | None = None  # display names (`airplane`), as are the keys of `probs`
    probs: dict[str, float] = field(default_factory=dict)  # in the model's class order
    error: str | None = None


class Predictor:
    """A trained model with its class names and input size."""

    def __init__(
        self, model: torch.nn.Module, meta: dict[str, Any], device: torch.device | None = None
    ) -> None:
        self.device = device or torch.device("cpu")
        self.model = model.eval().to(self.device)
        self.meta = meta
        self.classes: list[str] = list(meta["classes"])  # folder names, as trained
        self.labels = display_names(self.classes)  # the same classes as people read them
        self.image_size = int(meta.get("image_size", 32))

    @torch.no_grad()
    def predict_tensor(self, x: torch.Tensor, flip: bool = False) -> torch.Tensor:
        """(N, 3, S, S) uint8 -> (N, C) probabilities, in batches."""
        model = FlipAveraged(self.model) if flip else self.model
        out = [
            model(x[i : i + BATCH_SIZE].to(self.device).float().div(255)).float().softmax(-1).cpu()
            for i in range(0, len(x), BATCH_SIZE)
        ]
        return torch.cat(out) if out else torch.zeros(0, len(self.classes))

    def predict(self, sources: list[tuple[str, Any]], flip: bool = False) -> list[Prediction]:
        """(name, path | bytes | file | PIL image) pairs -> Predictions; unreadable: `error` set."""
        results = [Prediction(name) for name, _ in sources]
        images, readable = [], []
        for i, (name, source) in enumerate(sources):
            try:
                images.append(decode_image(source, self.image_size, name))
                readable.append(i)
            except UserError as err:
                results[i].error = str(err)
        if images:
            probs = self.predict_tensor(torch.stack(images), flip=flip)
            for i, p in zip(readable, probs.tolist(), strict=True):
                results[i] = self.to_prediction(results[i].name, p)
        return results

    def to_prediction(self, name: str, probs: list[float]) -> Prediction:
        """One image's probabilities -> a Prediction with the most likely class."""
        label = self.labels[max(range(len(probs)), key=probs.__getitem__)]
        by_label = {c: round(p, 4) for c, p in zip(self.labels, probs, strict=True)}
        return Prediction(name, label, by_label)


def load_predictor(
    run_dir: Path, device: torch.device | None = None, build: ModelBuilder = build_model
) -> Predictor:
    """Rebuild the model of a finished run on `device` (default CPU; no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build, meta, run_dir)
    return Predictor(model, meta, device)
