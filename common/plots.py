"""Matplotlib figures from training history (saved as PNG by training, shown by the pages)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from common.checkpoint import atomic_write


def plot_history(records: Sequence[dict[str, Any]]) -> Figure:
    """One panel per metric (loss first): train vs validation per epoch."""
    names: list[str] = []
    for key in records[0] if records else []:
        split, _, name = key.partition("/")
        if split in ("train", "val") and name not in names:
            names.append(name)
    names.sort(key=lambda n: (n != "loss", n))
    num_panels = max(1, len(names))
    columns = min(3, num_panels)
    rows = (num_panels + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    epochs = [r["epoch"] for r in records]
    for ax, name in zip(axes.flat, names, strict=False):
        for split, style in (("train", "-o"), ("val", "-s")):
            key = f"{split}/{name}"
            if any(key in r for r in records):
                ax.plot(
                    epochs, [r.get(key, float("nan")) for r in records], style, ms=3, label=split
                )
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: Path, dpi: int = 110) -> Path:
    """Write a PNG atomically and free the figure's memory."""
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        plt.close(fig)
