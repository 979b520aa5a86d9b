"""--model tutorial: the tutorial's net trains, saves and loads through the front-ends."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from apps.cifar.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.cifar.dispatch import model_builder, run_builder
from apps.cifar.extras.tutorial_net import TutorialCNN
from apps.cifar.model import build_model, model_args
from apps.cifar.predict import load_predictor
from apps.cifar.train import train
from common.errors import UserError
from common.training.styles import loop_named

STATS = ([0.5] * 3, [0.25] * 3)


@pytest.mark.parametrize("num_classes", [2, 10])
def test_tutorial_net_returns_logits_per_class(num_classes: int) -> None:
    args = model_args(ModelConfig(name="tutorial"), num_classes, *STATS)
    model = model_builder("tutorial")(args).eval()
    assert isinstance(model, TutorialCNN)
    logits = model(torch.rand(4, 3, 32, 32))
    assert logits.shape == (4, num_classes)
    assert not torch.allclose(logits.sum(1), torch.ones(4))  # logits, not probabilities


def test_the_reading_path_refuses_the_tutorial_net_in_one_line() -> None:
    with pytest.raises(UserError, match="--model tutorial is built by"):
        build_model(model_args(ModelConfig(name="tutorial"), 2, *STATS))


def test_tutorial_run_trains_with_the_class_loop_and_loads(tmp_path: Path) -> None:
    cfg = dataclasses.replace(
        TRAIN_DEFAULTS, loop="class", dry_run=True, batch_size=8, runs_dir=tmp_path
    )
    model_cfg = ModelConfig(name="tutorial")
    build, loop = model_builder("tutorial"), loop_named("class")
    result = train(DataConfig(), model_cfg, cfg, progress=False, build=build, loop=loop)
    assert len(result.history) == 1
    assert 0.0 <= result.metrics["test/accuracy"] <= 1.0
    predictor = load_predictor(result.run_dir, build=run_builder(result.run_dir))
    assert isinstance(predictor.model, TutorialCNN)
    assert predictor.meta["model"] == "TutorialCNN"
