"""Training stops cleanly: a non-finite loss, SIGTERM; the last good checkpoint survives."""

from __future__ import annotations

import math
import os
import signal

import pytest
import torch
import typer
from torch import nn
from typer.testing import CliRunner

from common.checkpoint import MODEL_WEIGHTS, load_resume_checkpoint, load_weights
from common.cli import handle_user_errors
from common.errors import TrainingInterrupted, TrainingStopped
from common.training.options import LoopOptions
from common.training.styles import loop_named


class NanAfter(nn.Module):
    """BCE-with-logits that turns into NaN from the `start`-th training call on."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start, self.calls = start, 0
        self.inner = nn.BCEWithLogitsLoss()

    def forward(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            self.calls += 1
        loss = self.inner(logits, y)
        return loss * float("nan") if self.calls >= self.start else loss


@pytest.mark.parametrize("style", ["script", "function", "class"])
def test_nan_loss_stops_with_the_epoch_and_keeps_the_checkpoint(tiny, tmp_path, style):
    # 4 batches per epoch: call 10 is the 2nd batch of epoch 3
    with pytest.raises(TrainingStopped, match="nan in epoch 3") as info:
        tiny.run(style, run_dir=tmp_path, epochs=5, loss_fn=NanAfter(10))
    assert not isinstance(info.value, TrainingInterrupted)
    assert info.value.run_dir == str(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "--lr" in str(info.value)
    saved = load_resume_checkpoint(tmp_path)
    assert saved["epoch"] == 2
    assert all(torch.isfinite(v).all() for v in saved["model"].values())
    load_weights(tiny.TinyNet(), tmp_path / MODEL_WEIGHTS)


def test_diverging_validation_loss_is_not_checkpointed(tiny, tmp_path):
    """A step that blows the weights up at the end of an epoch shows first in val/loss."""
    generator = tiny.seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator, batch_size=32, noise=False)
    model = tiny.TinyNet(dropout=0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e3)
    options = LoopOptions(run_dir=tmp_path, monitor=None, progress=False)
    with pytest.raises(TrainingStopped, match="epoch 2"):
        loop_named("script")(
            model,
            nn.MSELoss(),
            optimizer,
            train_loader,
            val_loader,
            5,
            None,
            None,
            options,
        )
    saved = load_resume_checkpoint(tmp_path)
    assert saved["epoch"] == 1
    for record in saved["history"]:
        assert all(math.isfinite(v) for v in record.values()), record


def test_nan_in_the_first_epoch_does_not_promise_a_checkpoint(tiny, tmp_path):
    with pytest.raises(TrainingStopped) as info:
        tiny.run("script", run_dir=tmp_path, epochs=2, loss_fn=NanAfter(1))
    assert info.value.run_dir is None
    assert "checkpoint" not in str(info.value)
    assert not (tmp_path / "last.pt").exists()


class SigtermAt:
    """Wraps a data set and sends this process SIGTERM when item `at` is read."""

    def __init__(self, dataset, at: int) -> None:
        self.dataset, self.at, self.reads = dataset, at, 0

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        self.reads += 1
        if self.reads == self.at:
            os.kill(os.getpid(), signal.SIGTERM)
        return self.dataset[i]


@pytest.mark.parametrize("style", ["script", "class"])
def test_sigterm_stops_at_a_step_boundary_and_says_how_to_resume(tiny, tmp_path, style):
    generator = tiny.seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator)
    # 32 items per epoch: item 32 + 10 is read in the 2nd batch of epoch 2
    dataset = SigtermAt(train_loader.dataset, at=42)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, generator=generator)
    model = tiny.TinyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    options = LoopOptions(run_dir=tmp_path, progress=False)
    before = signal.getsignal(signal.SIGTERM)

    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def train() -> None:
        loop_named(style)(
            model,
            nn.BCEWithLogitsLoss(),
            optimizer,
            loader,
            val_loader,
            5,
            None,
            None,
            options,
        )

    result = CliRunner().invoke(app, [], prog_name="refapps-alpha-train")
    assert result.exit_code == 143, result.output  # 128 + SIGTERM (15)
    assert "SIGTERM" in result.output
    assert "epoch 2" in result.output
    assert f"refapps-alpha-train --resume {tmp_path}" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    # stopped at the next step boundary: the batch being read when the signal came was the last
    assert dataset.reads == 48
    assert signal.getsignal(signal.SIGTERM) is before, "signal handler not restored"
    saved = load_resume_checkpoint(tmp_path)
    assert saved["epoch"] == 1
    assert saved["step"] == 4


def test_interrupted_without_a_checkpoint_does_not_suggest_resume(tiny):
    err = TrainingInterrupted("Training stopped by SIGINT during epoch 1.", run_dir=None)
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def train() -> None:
        raise err

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 130
    assert "--resume" not in result.output
