from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.covid_forecast.data import Scaler, read_table
from apps.covid_forecast.forecasts import first_zero_date
from apps.covid_forecast.model import CovidEnsemble
from apps.covid_forecast.predict import forecast_members, load_predictor
from common.errors import UserError

HISTORY = np.array([[float(v), 2.0 * v] for v in range(20, 4, -1)])  # (16, 2), falling


def test_forecast_members_shape_and_naive_start() -> None:
    model = CovidEnsemble(
        2, hidden_size=4, num_layers=1, num_members=3, scaler=Scaler([1, 1], [1, 1])
    )
    paths = forecast_members(model, HISTORY, horizon=5, window=8)
    assert paths.shape == (3, 5, 2)
    assert np.allclose(paths, HISTORY[-1])  # an untrained member repeats the last day


def test_first_zero_date_rounds_and_handles_never() -> None:
    dates = pd.date_range("2020-03-11", periods=4)
    assert first_zero_date(dates, np.array([3.0, 0.6, 0.4, 0.0])) == pd.Timestamp("2020-03-13")
    assert first_zero_date(dates, np.array([3.0, 2.0, 1.0, 1.0])) is None


def test_predictor_forecast_table(tiny_run: Path, covid_csv: Path) -> None:
    predictor = load_predictor(tiny_run)
    result = predictor.forecast(read_table(covid_csv), days=12)
    future = result.table[result.table["kind"] == "forecast"]
    assert len(future) == 12
    assert len(result.table) == 29 + 12  # 29 days of increments, then the forecast
    assert (future["confirmed_num_low"] <= future["confirmed_num_high"]).all()
    with pytest.raises(UserError, match="forecasts confirmed_num"):
        predictor.forecast(read_table(covid_csv)[["cured_num"]], days=3)
