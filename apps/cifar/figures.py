"""Figures for `evaluate`: the confusion matrix and the worst-classified test images."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure


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
