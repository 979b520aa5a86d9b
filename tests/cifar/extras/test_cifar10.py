"""--dataset cifar10 and `download`: CIFAR-10 through torchvision, and CIFAR-2 taken from it."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from apps.cifar.config import DataConfig
from apps.cifar.dispatch import splits_loader
from apps.cifar.extras.cifar10 import load_cifar10
from common.errors import UserError


def write_fake_cifar10(root: Path, per_batch: int = 4) -> None:
    """torchvision's on-disk CIFAR-10 format: pickled dicts of uint8 rows and labels."""
    folder = root / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        batch = {
            "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            "labels": [(i + j) % 10 for j in range(per_batch)],
        }
        (folder / name).write_bytes(pickle.dumps(batch))
    classes = ["airplane", "automobile", "bird", "cat", "deer"]
    classes += ["dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": classes}))


@pytest.fixture
def fake_cifar10(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import torchvision.datasets.cifar

    write_fake_cifar10(tmp_path)
    # the md5s of the real files cannot match fake ones; everything else is torchvision's own
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda *a, **k: True)
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    return tmp_path


def load(cfg: DataConfig):
    return splits_loader(cfg)(cfg, 0)


def test_cifar10_is_read_through_torchvision(fake_cifar10: Path) -> None:
    train_set, _, test_set = load(DataConfig(dataset="cifar10"))
    assert len(train_set) == 20
    assert len(test_set) == 4
    assert train_set.x.shape == (20, 3, 32, 32)
    assert len(train_set.classes) == 10


def test_cifar2_without_its_folder_takes_two_cifar10_classes(fake_cifar10: Path) -> None:
    train_set, _, _ = load(DataConfig(dataset="cifar2"))
    assert train_set.classes == ["airplane", "automobile"]
    assert set(train_set.y.tolist()) <= {0, 1}
    assert len(train_set) > 0


def test_cifar10_is_resized_and_holds_out_a_validation_share(fake_cifar10: Path) -> None:
    train_set, val_set, test_set = load(
        DataConfig(dataset="cifar10", image_size=16, val_fraction=0.25)
    )
    assert train_set.x.shape[1:] == (3, 16, 16)
    assert (len(train_set), len(val_set), len(test_set)) == (15, 5, 4)


def test_missing_cifar10_names_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    with pytest.raises(UserError, match=r"cifar-10-python\.tar\.gz"):
        load_cifar10(train=True, two_classes=False, size=32, download=False)
