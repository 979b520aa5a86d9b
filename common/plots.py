"""Matplotlib figures from training history (saved as PNG by training, shown by the pages)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from common.files import atomic_write

CURVE_MARKERS = {"train": "o", "val": "s", "test": "^", "in_sample": "D"}  # split -> marker


def plot_history(records: Sequence[dict[str, Any]]) -> Figure:
    """One panel per metric (loss first): train vs validation per epoch.

    Points and lines, so a run of two or three epochs still reads as a curve; epochs are
    whole-number ticks; with a single epoch each point is labelled with its value.
    """
    names: list[str] = []
    for key in records[0] if records else []:
        split, _, name = key.partition("/")
        if split in CURVE_MARKERS and name not in names:
            names.append(name)
    names.sort(key=lambda n: (n != "loss", n))
    num_panels = max(1, len(names))
    columns = min(3, num_panels)
    rows = (num_panels + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        _plot_metric(ax, records, name)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _plot_metric(ax: Any, records: Sequence[dict[str, Any]], name: str) -> None:
    """Train and validation values of one metric, as points joined by lines."""
    epochs = [r["epoch"] for r in records]
    for split, marker in CURVE_MARKERS.items():
        key = f"{split}/{name}"
        if not any(key in r for r in records):
            continue
        values = [r.get(key, float("nan")) for r in records]
        ax.plot(epochs, values, marker=marker, linestyle="-", ms=5, lw=1.5, label=split)
        if len(records) == 1:  # one point: print its value, a lone dot says little
            ax.annotate(
                f"{values[0]:.3g}", (epochs[0], values[0]), xytext=(6, 0),
                textcoords="offset points", va="center",
            )  # fmt: skip
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()


def save_figure(fig: Figure, path: Path, dpi: int = 110) -> Path:
    """Write a PNG atomically and free the figure's memory."""
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        plt.close(fig)
