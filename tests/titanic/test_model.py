from __future__ import annotations

import json

import pytest
import torch

from apps.titanic.config import DataConfig, ModelConfig
from apps.titanic.model import TitanicMLP, build_model, model_args
from apps.titanic.train import make_loss
from common.errors import UserError


def test_model_returns_one_logit_per_passenger() -> None:
    model = TitanicMLP(num_features=12, hidden=(8, 4))
    assert model(torch.randn(5, 12)).shape == (5,)
    assert model(torch.randn(1, 12)).shape == (1,)


def test_model_returns_logits_not_probabilities() -> None:
    torch.manual_seed(0)
    logits = TitanicMLP(num_features=12)(10 * torch.randn(64, 12))
    assert ((logits < 0) | (logits > 1)).any()


def test_one_tiny_batch_overfits() -> None:
    torch.manual_seed(0)
    x, y = torch.randn(16, 10), torch.randint(0, 2, (16,)).float()
    model, loss_fn = TitanicMLP(num_features=10, hidden=(16,)), make_loss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        first = float(loss_fn(model(x), y))
    for _ in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < first / 2


def test_model_args_round_trip_rebuilds_the_same_model() -> None:
    args = model_args(ModelConfig(hidden=(8, 4), dropout=0.1), num_features=7)
    args = json.loads(json.dumps(args))  # as read back from model.json
    first, again = build_model(args), build_model(args)
    again.load_state_dict(first.state_dict())
    x = torch.randn(3, 7)
    assert torch.equal(first.eval()(x), again.eval()(x))
    member = first.members[0]
    assert [m.out_features for m in member.layers if isinstance(m, torch.nn.Linear)] == [8, 4, 1]
    assert member.layers[2].p == 0.1
    assert len(first.members) == ModelConfig().num_models


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ModelConfig(hidden=()), "--hidden"),
        (lambda: ModelConfig(hidden=(8, 0)), "--hidden"),
        (lambda: ModelConfig(dropout=1.0), "--dropout"),
        (lambda: DataConfig(val_fraction=0.95), "--val-fraction"),
        (lambda: DataConfig(features="all"), "--features"),
        (lambda: ModelConfig(num_models=0), "--num-models"),
    ],
)
def test_bad_configs_name_the_option(make, message: str) -> None:
    with pytest.raises(UserError, match=message):
        make()
