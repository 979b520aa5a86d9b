"""Sets too large for memory: files decoded by a DataLoader, the same batches otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from apps.cifar.config import DataConfig
from apps.cifar.data import load_splits, make_loaders
from apps.cifar.dispatch import splits_loader
from apps.cifar.extras import on_disk


@pytest.fixture
def tiny_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(on_disk, "MAX_IN_MEMORY_BYTES", 0)


def test_sets_too_large_for_memory_stream_through_a_dataloader(tiny_memory, data_root) -> None:
    cfg = DataConfig(data_dir=data_root / "cifar2")
    generator = torch.Generator().manual_seed(0)
    loaders = make_loaders(cfg, 8, 0, generator, max_samples=16, load=splits_loader(cfg))
    assert isinstance(loaders.train.source, DataLoader)
    x, y = next(iter(loaders.train))
    assert x.shape == (8, 3, 32, 32)
    assert x.dtype == torch.float32
    assert len(y) == 8
    assert loaders.num_train == 16


def test_files_give_the_same_images_and_statistics_as_memory(tiny_memory, data_root) -> None:
    cfg = DataConfig(data_dir=data_root / "cifar2")
    files = splits_loader(cfg)(cfg, 0)[0]
    memory = load_splits(DataConfig(), 0)[0]
    assert isinstance(files, on_disk.FileSet)
    assert torch.equal(files.x, memory.x)
    assert torch.equal(files.subset(torch.tensor([3])).x, memory.x[3:4])
    assert files.stats() == memory.stats()


def test_page_shows_test_images_of_a_run_read_from_disk(
    tiny_memory, data_root, tmp_path, monkeypatch
) -> None:
    import dataclasses

    from streamlit.testing.v1 import AppTest

    from apps.cifar.config import TRAIN_DEFAULTS, ModelConfig
    from apps.cifar.train import train

    cfg = DataConfig(data_dir=data_root / "cifar2")
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, dry_run=True, batch_size=8, runs_dir=tmp_path)
    train(cfg, ModelConfig(width=8), train_cfg, progress=False, load=splits_loader(cfg))
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path))
    page = Path(__file__).resolve().parents[3] / "apps" / Path(__file__).parents[1].name
    at = AppTest.from_file(str(page / "demo.py"), default_timeout=60).run()
    at.button(key="sample").click().run()
    assert not at.exception
    assert not at.error
    assert sum("**Right**" in m.value or "**Wrong**" in m.value for m in at.markdown) == 6
