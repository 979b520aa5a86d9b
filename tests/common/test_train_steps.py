"""Every loop style: gradient accumulation, the per-step non-finite check, the signal exit codes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from common.config import TrainConfig
from common.errors import TrainingInterrupted, TrainingStopped
from common.training.options import LoopOptions
from common.training.styles import loop_named

STYLES = ("script", "function", "class")


def train_tiny(tiny, style: str, batch_size: int, accum: int, epochs: int = 2) -> nn.Module:
    """TinyNet without dropout (and no BatchNorm), shuffled by a seeded generator."""
    generator = tiny.seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator, batch_size=batch_size, noise=False)
    model = tiny.TinyNet(dropout=0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    options = LoopOptions(grad_accum_steps=accum, grad_clip=5.0, monitor=None, progress=False)
    loop_named(style)(model, nn.BCEWithLogitsLoss(), optimizer, train_loader, val_loader, epochs,
        None, None, options)  # fmt: skip
    return model


@pytest.mark.parametrize("style", STYLES)
def test_k_accumulated_batches_of_b_equal_one_batch_of_k_times_b(tiny, style):
    big = train_tiny(tiny, style, batch_size=8, accum=1)
    accumulated = train_tiny(tiny, style, batch_size=4, accum=2)
    untrained = tiny.TinyNet(dropout=0.0)
    for key, value in big.state_dict().items():
        assert torch.allclose(accumulated.state_dict()[key], value, atol=1e-6), key
        assert not torch.equal(value, untrained.state_dict()[key]), "nothing trained"
    # and accumulation really changed something compared to plain steps of 4
    plain = train_tiny(tiny, style, batch_size=4, accum=1)
    assert not torch.allclose(
        plain.state_dict()["body.0.weight"], big.state_dict()["body.0.weight"]
    )


def test_the_three_styles_accumulate_identically(tiny):
    ref = train_tiny(tiny, "script", batch_size=4, accum=3)
    for style in ("function", "class"):
        other = train_tiny(tiny, style, batch_size=4, accum=3)
        for key, value in ref.state_dict().items():
            assert torch.equal(other.state_dict()[key], value), (style, key)


def test_loop_options_from_config_keeps_every_train_option():
    cfg = TrainConfig(grad_accum_steps=4, grad_clip=0.5, patience=3, amp=False, loop="function")
    options = LoopOptions.from_config(cfg, torch.device("cpu"))
    assert options.grad_accum_steps == 4
    assert (options.grad_clip, options.patience, options.amp_dtype) == (0.5, 3, None)


class NanFrom(nn.Module):
    """BCE-with-logits that is NaN from the `start`-th training call on; counts the calls."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start, self.calls = start, 0

    def forward(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self.calls += int(torch.is_grad_enabled())
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
        return loss * float("nan") if self.calls >= self.start else loss


@pytest.mark.parametrize("style", STYLES)
def test_first_non_finite_loss_stops_at_that_step_without_a_progress_bar(tiny, style):
    loss_fn = NanFrom(start=2)  # the 2nd of 4 batches in epoch 1
    generator = tiny.seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator)
    model = tiny.TinyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TrainingStopped, match="nan in epoch 1"):
        loop_named(style)(model, loss_fn, optimizer, train_loader, val_loader, 3, None, None,
            LoopOptions(progress=False))  # fmt: skip
    assert loss_fn.calls == 2, "kept training after the first non-finite loss"
    assert all(torch.isfinite(p).all() for p in model.parameters()), "the bad step was applied"


def test_sigterm_exits_143_and_sigint_130():
    assert TrainingInterrupted("stopped", signal_name="SIGTERM").exit_code == 143
    assert TrainingInterrupted("stopped", signal_name="SIGINT").exit_code == 130
    assert TrainingInterrupted("stopped").exit_code == 130
