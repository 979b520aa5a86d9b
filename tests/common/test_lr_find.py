"""The LR range test suggests a finite rate and leaves the model and optimizer untouched."""

from __future__ import annotations

import math

import torch
from torch import nn

from common.lr_find import lr_range_test, plot_lr_find


def test_lr_range_test_suggests_and_restores(tiny, cpu, tmp_path):
    generator = tiny.seed_everything(0)
    train_loader, _ = tiny.make_loaders(generator)
    model = tiny.TinyNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    optimizer.step()  # give the optimizer some state to restore
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_range_test(
        model, nn.BCEWithLogitsLoss(), optimizer, train_loader, cpu, num_steps=40, end_lr=10.0
    )
    assert math.isfinite(result.suggested_lr)
    assert 1e-6 <= result.suggested_lr <= 1.0
    assert len(result.lrs) == len(result.losses) >= 10
    assert all(b > a for a, b in zip(result.lrs, result.lrs[1:], strict=False))
    assert all(math.isfinite(v) for v in result.losses)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert optimizer.param_groups[0]["lr"] == 3e-3
    path = plot_lr_find(result, tmp_path / "lr_find.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert result.plot_path == path
