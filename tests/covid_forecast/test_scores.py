"""sMAPE, the one definition both models' figures use (scores.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from apps.covid_forecast.scores import smape, smape_terms


@pytest.mark.parametrize(
    ("f", "y", "expected"), [(0.0, 0.0, 0.0), (1.0, 3.0, 1.0), (0.0, 5.0, 2.0), (-1.0, 1.0, 2.0)]
)
def test_smape_definition(f: float, y: float, expected: float) -> None:
    assert smape(np.array([f]), np.array([y])) == pytest.approx(expected)


def test_arrays_and_tensors_give_the_same_terms() -> None:
    forecast, actual = np.array([0.0, 2.0, 10.0, 3.0]), np.array([0.0, 1.0, 0.0, 3.0])
    from_numpy = smape_terms(forecast, actual)
    from_torch = smape_terms(torch.as_tensor(forecast), torch.as_tensor(actual))
    assert np.array_equal(from_numpy, from_torch.numpy())
    assert from_numpy.tolist() == [0.0, 2 / 3, 2.0, 0.0]
