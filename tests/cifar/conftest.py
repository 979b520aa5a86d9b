"""Tiny CIFAR-2 look-alike: 16 JPEGs of 32x32 per class per split, in the real layout.

Class 0 images are bright on top, class 1 bright at the bottom, so a tiny model can learn
them. `REFAPPS_DATA` points at the fake data for every test; one tiny run is trained once
per session and shared.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CLASSES = ("0_airplane", "1_automobile")
PER_CLASS = 16


def make_image(label: int, rng: np.random.Generator, size: int = 32) -> Image.Image:
    pixels = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
    half = slice(0, size // 2) if label == 0 else slice(size // 2, size)
    pixels[half] += 150
    return Image.fromarray(pixels)


def write_folder(root: Path, splits: tuple[str, ...] = ("train", "test"), seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for split in splits:
        for label, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(PER_CLASS):
                make_image(label, rng).save(folder / f"{i}.jpg", quality=95)
    return root


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """Tiny models run fastest on one thread, and the CPU is shared with other jobs."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    write_folder(root / "cifar2")
    return root


@pytest.fixture(autouse=True)
def _use_fake_data(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(data_root))


@pytest.fixture(scope="session")
def trained_run(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny finished run (2 epochs of a narrow CNN) shared by the tests that need one."""
    from apps.cifar.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
    from apps.cifar.train import train

    runs_dir = tmp_path_factory.mktemp("runs")
    cfg = dataclasses.replace(
        TRAIN_DEFAULTS, epochs=2, batch_size=8, runs_dir=runs_dir, num_threads=1
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REFAPPS_DATA", str(data_root))
        result = train(DataConfig(), ModelConfig(width=8), cfg, progress=False)
    return result.run_dir
