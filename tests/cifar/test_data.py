from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from apps.cifar import data
from apps.cifar.batches import DeviceBatches, TensorBatches, augment, make_loaders
from apps.cifar.config import DataConfig
from common.errors import UserError

from .conftest import write_folder


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_folder_cache_is_reused_and_invalidated(tmp_path: Path, monkeypatch) -> None:
    root = write_folder(tmp_path / "set", splits=("train",))
    first = data.load_folder(root / "train", 32)
    assert first.x is not None
    assert first.x.shape == (32, 3, 32, 32)
    assert first.classes == ["0_airplane", "1_automobile"]
    assert len(list(data.cache_dir("cifar").glob("*.safetensors"))) >= 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although the cache is valid")

    monkeypatch.setattr(data, "decode_image", no_decoding)
    again = data.load_folder(root / "train", 32)
    assert torch.equal(again.x, first.x)
    assert torch.equal(again.y, first.y)
    monkeypatch.undo()
    Image.new("RGB", (32, 32)).save(root / "train" / "0_airplane" / "new.jpg")
    changed = data.load_folder(root / "train", 32)
    assert len(changed) == len(first) + 1


def test_folder_without_classes_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    with pytest.raises(UserError, match="one sub-folder per class"):
        data.load_folder(tmp_path / "train", 32)


def test_data_dir_without_test_holds_out_a_validation_share(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "mine", splits=("train",))
    train_set, val_set, test_set = data.load_splits(DataConfig(data_dir=root), seed=0)
    assert len(val_set) == round(data.DEFAULT_VAL_FRACTION * 32)
    assert len(train_set) + len(val_set) == 32
    assert val_set is test_set


def test_augment_keeps_shape_and_is_deterministic_under_a_seed() -> None:
    x = torch.rand(16, 3, 32, 32)
    a = augment(x, torch.Generator().manual_seed(1))
    b = augment(x, torch.Generator().manual_seed(1))
    c = augment(x, torch.Generator().manual_seed(2))
    assert a.shape == x.shape
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a, x)


def test_augment_without_shift_only_flips() -> None:
    x = torch.rand(8, 3, 4, 4)
    out = augment(x, torch.Generator().manual_seed(0), padding=0)
    for image, result in zip(x, out, strict=True):
        assert torch.equal(result, image) or torch.equal(result, image.flip(2))


def test_tensor_batches_shuffle_every_sample_once() -> None:
    y = torch.arange(10)
    batches = TensorBatches(y[:, None].float(), y, 4, torch.Generator().manual_seed(0))
    assert len(batches) == 3
    seen = torch.cat([b for _, b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert seen.tolist() != list(range(10))


def test_make_loaders_gives_float_batches_in_unit_range() -> None:
    loaders = make_loaders(DataConfig(), 8, 0, torch.Generator().manual_seed(0))
    assert isinstance(loaders.train, DeviceBatches)
    assert loaders.train.generator is not None
    x, _y = next(iter(loaders.train))
    assert x.shape == (8, 3, 32, 32)
    assert x.dtype == torch.float32
    assert float(x.min()) >= 0.0
    assert float(x.max()) <= 1.0
    assert loaders.val is None  # no val split by default: the loop validates on test
    assert len(loaders.mean) == 3


def test_max_samples_keeps_both_classes() -> None:
    loaders = make_loaders(DataConfig(), 8, 0, torch.Generator(), max_samples=8)
    labels = torch.cat([y for _, y in loaders.train])
    assert len(labels) == 8
    assert set(labels.tolist()) == {0, 1}


def test_sets_too_large_for_memory_stream_through_a_dataloader(monkeypatch) -> None:
    from torch.utils.data import DataLoader

    monkeypatch.setattr(data, "MAX_IN_MEMORY_BYTES", 0)
    loaders = make_loaders(DataConfig(), 8, 0, torch.Generator().manual_seed(0), max_samples=16)
    assert isinstance(loaders.train.source, DataLoader)
    x, y = next(iter(loaders.train))
    assert x.shape == (8, 3, 32, 32)
    assert x.dtype == torch.float32
    assert len(y) == 8
    assert loaders.num_train == 16


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


def test_cifar10_is_read_through_torchvision(fake_cifar10: Path) -> None:
    train_set, _, test_set = data.load_splits(DataConfig(dataset="cifar10"), seed=0)
    assert len(train_set) == 20
    assert len(test_set) == 4
    assert train_set.x is not None
    assert train_set.x.shape == (20, 3, 32, 32)
    assert len(train_set.classes) == 10


def test_cifar2_falls_back_to_two_cifar10_classes(fake_cifar10: Path) -> None:
    train_set, _, _ = data.load_splits(DataConfig(dataset="cifar2"), seed=0)
    assert train_set.classes == ["airplane", "automobile"]
    assert set(train_set.y.tolist()) <= {0, 1}
    assert len(train_set) > 0


def test_missing_cifar10_names_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    with pytest.raises(UserError, match=r"cifar-10-python\.tar\.gz"):
        data.load_cifar10(train=True, two_classes=False, size=32, download=False)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_augment_on_cuda_matches_cpu() -> None:
    x = torch.rand(16, 3, 32, 32)
    cpu = augment(x, torch.Generator().manual_seed(3))
    gpu = augment(x.cuda(), torch.Generator().manual_seed(3))
    assert torch.equal(cpu, gpu.cpu())
