from __future__ import annotations

import torch

from apps.covid_forecast.data import Scaler
from apps.covid_forecast.model import CovidEnsemble, RelativeChange
from apps.covid_forecast.train import make_loss
from common.device import fixed_threads

SCALER = Scaler([1.0, 1.0], [1.0, 1.0])


def test_block_applies_relative_change_and_clamps_at_zero() -> None:
    x = torch.tensor([[[1.0, 1.0], [10.0, 4.0]]])  # (B=1, T=2, C=2)
    out = RelativeChange()(torch.tensor([[0.5, -3.0]]), x)
    assert out.tolist() == [[15.0, 0.0]]


def test_untrained_ensemble_is_the_naive_forecast() -> None:
    model = CovidEnsemble(2, hidden_size=4, num_layers=1, num_members=3, scaler=SCALER)
    x = torch.rand(5, 8, 2) * 100
    out = model(x)
    assert out.shape == (5, 3, 2)
    assert torch.allclose(out, x[:, -1:, :].expand(5, 3, 2))


def test_one_batch_overfits() -> None:
    torch.manual_seed(0)
    model = CovidEnsemble(2, hidden_size=8, num_layers=1, num_members=1, scaler=SCALER)
    x, y = torch.rand(6, 8, 2) * 50 + 10, torch.rand(6, 2) * 50 + 10
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    loss_fn = make_loss()
    start = float(loss_fn(model(x), y).detach())
    with fixed_threads(1):  # tiny tensors: a second thread only adds contention
        for _ in range(80):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
    assert float(loss.detach()) < start / 2
