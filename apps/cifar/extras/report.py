"""`refapps cifar evaluate`: a finished run's report, per-class accuracy and two figures.

    refapps cifar evaluate                      # the newest run, on its own test split
    refapps cifar evaluate --data-dir photos    # on another folder with the same classes

Scores the run's test split again (flip-averaged unless --no-flip), adds the accuracy of
each class and the confusion matrix, and writes evaluation.json, confusion_matrix.png (true
classes as rows) and worst_images.png (the 25 test images given the lowest probability of
their true class) into the run folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from common.errors import UserError
from common.files import write_json
from common.metrics import score
from common.plots import save_figure
from common.runs import read_config

from ..config import DataConfig
from ..data import SplitsLoader
from ..model import ModelBuilder
from ..predict import load_predictor
from ..train import make_metrics

NUM_WORST = 25


def evaluate(
    run_dir: Path,
    data_cfg: DataConfig,
    load: SplitsLoader,
    build: ModelBuilder,
    flip: bool = True,
) -> dict[str, Any]:
    """Test metrics, per-class accuracy, a confusion-matrix PNG and the worst images as a PNG.

    `data_cfg` says where the test images are (the run's own, or `--data-dir`); `load` and
    `build` read them and rebuild the model (`dispatch.py`).
    """
    predictor = load_predictor(run_dir, build=build)
    test_set = load(data_cfg, read_config(run_dir)["train"]["seed"])[2]
    if test_set.classes != predictor.classes:
        raise UserError(
            f"The test classes {test_set.classes} differ from the model's {predictor.classes}."
        )
    classes = predictor.labels  # reported as people read them: airplane, not 0_airplane
    x, y = test_set.x, test_set.y  # (N, 3, S, S) uint8, (N,)
    probs = predictor.predict_tensor(x, flip=flip)  # (N, C)
    result: dict[str, Any] = score(make_metrics(len(classes)), probs.log(), y)
    preds = probs.argmax(1)
    matrix = torch.zeros(len(classes), len(classes), dtype=torch.int64)
    matrix.index_put_((y, preds), torch.ones_like(preds), accumulate=True)
    for i, name in enumerate(classes):
        result[f"test/accuracy_{name}"] = float(matrix[i, i] / matrix[i].sum().clamp_min(1))
    result["confusion_matrix"] = {"classes": classes, "values": matrix.tolist()}
    result["num_samples"] = len(test_set)
    save_figure(confusion_figure(matrix, classes), run_dir / "confusion_matrix.png")
    worst = probs.gather(1, y[:, None]).squeeze(1).argsort()[:NUM_WORST]
    figure = worst_images_figure(x[worst], y[worst], probs[worst], classes)
    save_figure(figure, run_dir / "worst_images.png")
    write_json(run_dir / "evaluation.json", result)
    return result


def confusion_figure(matrix: torch.Tensor, classes: list[str]) -> Figure:
    """Counts with true classes as rows and predicted classes as columns."""
    size = 2.5 + 0.5 * len(classes)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix.numpy(), cmap="Blues")
    ticks = range(len(classes))
    ax.set_xticks(ticks, classes, rotation=45, ha="right")
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max().item() / 2
    for (row, col), count in zip(
        torch.cartesian_prod(*[torch.arange(len(classes))] * 2).tolist(),
        matrix.flatten().tolist(),
        strict=True,
    ):
        color = "white" if count > threshold else "black"
        ax.text(col, row, str(count), ha="center", va="center", color=color)
    fig.tight_layout()
    return fig


def worst_images_figure(
    x: torch.Tensor, y: torch.Tensor, probs: torch.Tensor, classes: list[str]
) -> Figure:
    """A grid of (N, 3, H, W) uint8 images, each titled true -> predicted (probability)."""
    columns = 5
    rows = max(1, (len(x) + columns - 1) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.0 * columns, 2.2 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, target, p in zip(axes.flat, x, y.tolist(), probs, strict=False):
        pred = int(p.argmax())
        ax.imshow(image.permute(1, 2, 0).numpy())
        ax.set_title(f"{classes[target]} -> {classes[pred]}\n({float(p[pred]):.2f})", fontsize=8)
    fig.suptitle("Worst-classified test images: true -> predicted (probability)")
    fig.tight_layout()
    return fig
