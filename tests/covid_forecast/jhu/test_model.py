from __future__ import annotations

import numpy as np
import torch

from apps.covid_forecast.jhu.model import (
    CovidGlobalEnsemble,
    forecast_quantiles,
    pack_windows,
    scale_windows,
    unscale,
)


def test_per_window_scaling_round_trip() -> None:
    history = np.array([[0.0, 3.0, 10.0, 50.0], [1000.0, 2000.0, 1500.0, 0.0]])
    scaled, level = scale_windows(history, level_days=2)
    assert torch.allclose(unscale(scaled, level), torch.as_tensor(history).float(), rtol=1e-4)
    assert torch.allclose(scaled[:, -2:].mean(1), torch.zeros(2), atol=1e-5)  # level removed


def test_quantiles_are_ordered_and_counts_never_negative() -> None:
    torch.manual_seed(0)
    model = CovidGlobalEnsemble(input_days=14, horizon=7, hidden_size=8, num_members=2)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=2.0)  # wild weights: the order must hold anyway
    out = model(pack_windows(np.random.rand(32, 14) * 1e4, np.arange(32) % 7, 7))
    assert out.shape == (32, 2, 7, 3)
    assert (out[..., 0] < out[..., 1]).all()
    assert (out[..., 1] < out[..., 2]).all()
    counts = forecast_quantiles(model, np.random.rand(5, 14) * 100, np.zeros(5), 7)
    assert (counts >= 0).all()
    assert (np.diff(counts, axis=-1) >= 0).all()
