from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from apps.cifar.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.cifar.train import make_metrics, train


def test_training_defaults_use_the_function_style_loop() -> None:
    assert TRAIN_DEFAULTS.loop == "function"


def test_trained_run_has_every_file(trained_run: Path) -> None:
    for name in ("config.json", "model.json", "model.safetensors", "last.pt", "metrics.json"):
        assert (trained_run / name).is_file(), name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert {"test/accuracy", "test/auroc", "test/loss", "train_seconds"} <= set(metrics)
    meta = json.loads((trained_run / "model.json").read_text())
    assert meta["model"] == "CifarCNN"
    assert meta["classes"] == ["0_airplane", "1_automobile"]
    assert len(meta["model_args"]["mean"]) == 3


def test_tiny_run_learns_the_fake_classes(trained_run: Path) -> None:
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["test/auroc"] > 0.7


def test_resume_continues_the_epoch_count(trained_run: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "cifar" / trained_run.name
    shutil.copytree(trained_run, copy)
    cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=3, resume=copy, runs_dir=tmp_path)
    result = train(DataConfig(), ModelConfig(width=8), cfg, progress=False)
    assert [r["epoch"] for r in result.history] == [1, 2, 3]


@pytest.mark.parametrize("damage", [b"garbage", b""])
def test_a_refused_resume_leaves_the_run_files_as_they_were(
    trained_run: Path, tmp_path: Path, damage: bytes
) -> None:
    import shutil

    from common.errors import UserError

    copy = tmp_path / "cifar" / trained_run.name
    shutil.copytree(trained_run, copy)
    (copy / "last.pt").write_bytes(damage)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=3, resume=copy, runs_dir=tmp_path)
    with pytest.raises(UserError):
        train(DataConfig(), ModelConfig(width=8), cfg, progress=False)
    after = {p.name: p.read_bytes() for p in copy.iterdir()}
    assert after == before


def test_ten_classes_use_macro_f1() -> None:
    metrics = make_metrics(10)
    metrics.update(torch.randn(20, 10), torch.arange(20) % 10)
    assert {"accuracy", "f1_macro"} == set(metrics.compute())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_run_keeps_data_on_the_gpu(tmp_path: Path) -> None:
    cfg = dataclasses.replace(TRAIN_DEFAULTS, device="cuda", epochs=1, runs_dir=tmp_path)
    result = train(DataConfig(), ModelConfig(width=8), cfg, progress=False)
    assert result.metrics["test/accuracy"] >= 0.0
    from apps.cifar.data import make_loaders

    loaders = make_loaders(DataConfig(), 8, 0, torch.Generator(), device=torch.device("cuda"))
    x, _ = next(iter(loaders.train))
    assert x.is_cuda
    assert x.is_contiguous(memory_format=torch.channels_last)
