from __future__ import annotations

import pytest
import torch

from apps.cifar.config import ModelConfig
from apps.cifar.model import FlipAveraged, build_model, model_args

STATS = ([0.5] * 3, [0.25] * 3)


@pytest.mark.parametrize("num_classes", [2, 10])
def test_model_returns_logits_per_class(num_classes: int) -> None:
    model = build_model(model_args(ModelConfig(width=8), num_classes, *STATS)).eval()
    logits = model(torch.rand(4, 3, 32, 32))
    assert logits.shape == (4, num_classes)
    assert not torch.allclose(logits.sum(1), torch.ones(4))  # logits, not probabilities


def test_model_args_are_json_and_rebuild_the_same_shapes() -> None:
    import json

    args = model_args(ModelConfig(width=8, compile=True), 2, *STATS)
    assert "compile" not in args
    rebuilt = build_model(json.loads(json.dumps(args)))
    assert sum(p.numel() for p in rebuilt.parameters()) > 0


def test_flip_averaged_is_mirror_invariant() -> None:
    model = FlipAveraged(build_model(model_args(ModelConfig(width=8), 2, *STATS))).eval()
    x = torch.rand(2, 3, 32, 32)
    assert torch.allclose(model(x), model(x.flip(3)), atol=1e-5)


def test_cnn_overfits_a_tiny_batch() -> None:
    torch.manual_seed(0)
    model = build_model(model_args(ModelConfig(width=8), 2, *STATS))
    x, y = torch.rand(8, 3, 16, 16), torch.tensor([0, 1] * 4)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = torch.nn.CrossEntropyLoss()
    first = float(loss_fn(model(x), y).detach())
    for _ in range(20):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < first / 2
