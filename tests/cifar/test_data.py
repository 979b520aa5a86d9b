from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from PIL import Image

from apps.cifar import data
from apps.cifar.config import DataConfig
from apps.cifar.data import DeviceBatches, augment, make_loaders
from common.batches import TensorBatches
from common.errors import DataNotFoundError, UserError


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_the_reading_path_reads_cifar2_and_refuses_other_data_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train_set, val_set, test_set = data.load_splits(DataConfig(), seed=0)
    assert (len(train_set), len(test_set)) == (32, 32)
    assert val_set is test_set  # nothing held out: the loop validates on test
    for cfg in (DataConfig(dataset="cifar10"), DataConfig(val_fraction=0.1)):
        with pytest.raises(UserError, match="read by extras/"):
            data.load_splits(cfg, seed=0)
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError, match=r"train,test\}/<class>/"):
        data.load_splits(DataConfig(), seed=0)


def test_folder_without_classes_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    with pytest.raises(UserError, match="one sub-folder per class"):
        data.load_folder(tmp_path / "train", 32)


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


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_augment_on_cuda_matches_cpu() -> None:
    x = torch.rand(16, 3, 32, 32)
    cpu = augment(x, torch.Generator().manual_seed(3))
    gpu = augment(x.cuda(), torch.Generator().manual_seed(3))
    assert torch.equal(cpu, gpu.cpu())
