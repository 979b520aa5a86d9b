from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.covid_forecast.config import DataConfig
from apps.covid_forecast.data import (
    Scaler,
    daily_increments,
    load_series,
    make_loaders,
    make_windows,
    read_table,
)
from common.errors import UserError

HAND_MADE = "date,a,b\n2020-03-01,1,0\n2020-03-02,3,10\n2020-03-03,6,10\n2020-03-04,10,25\n"


def table(text: str, repair: bool = False) -> pd.DataFrame:
    return read_table(io.StringIO(text), repair=repair)


def test_increments_and_windows_on_hand_made_series() -> None:
    increments = daily_increments(table(HAND_MADE))
    assert increments.to_numpy().tolist() == [[2, 10], [3, 0], [4, 15]]
    x, y = make_windows(increments.to_numpy(), window=2)
    assert x.shape == (1, 2, 2)
    assert x[0].tolist() == [[2, 10], [3, 0]]
    assert y.tolist() == [[4, 15]]


def test_read_table_sniffs_tabs_and_sorts_dates(covid_csv: Path) -> None:
    df = read_table(covid_csv)
    assert list(df.columns) == ["confirmed_num", "cured_num", "dead_num"]
    assert df.index.is_monotonic_increasing
    assert len(df) == 30
    shuffled = "date,a\n2020-03-02,3\n2020-03-01,1\n2020-03-03,6\n"
    assert table(shuffled)["a"].tolist() == [1, 3, 6]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("date,a\n2020-03-01,5\n2020-03-02,4\n", "goes down on 2020-03-02"),
        ("date,a\n2020-03-01,1\n2020-03-03,4\n", "missing, first 2020-03-02"),
        ("date,a\n2020-03-01,1\n2020-03-02,-4\n", "negative on 2020-03-02"),
        ("date,a\n2020-03-01,1\n2020-03-02,many\n", "'many'"),
        ("date,a\n2020-03-01,1\nnot a date,3\n", "row 2 has no readable date"),
        ("date,a\n2020-03-01,1\n2020-03-01,3\n", "repeats"),
    ],
)
def test_validation_names_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        table(text)


def test_repair_keeps_running_max_and_fills_gaps() -> None:
    repaired = table("date,a\n2020-03-01,2\n2020-03-02,5\n2020-03-03,4\n2020-03-05,9\n", True)
    assert repaired["a"].tolist() == [2, 5, 5, 7, 9]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("date,confirmed\n", "header but no rows"),
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("date,a\n2020-03-01,1\n2020-03-02,\n", "row 2, 2020-03-02: empty"),
    ],
)
def test_edge_case_files_get_one_clear_error(text: str, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment) as caught:
        table(text)
    assert "np.float64" not in str(caught.value)


def test_scaler_sees_only_the_days_it_is_given(covid_csv: Path) -> None:
    increments = daily_increments(read_table(covid_csv))
    loaders = make_loaders(increments.iloc[:-5], window=8)  # a backtest cuts before fitting
    assert loaders.scaler == Scaler.fit(increments.to_numpy()[:-5])
    assert loaders.scaler != Scaler.fit(increments.to_numpy())
    assert loaders.val is loaders.train  # the tutorial's in-sample check
    assert np.isfinite(loaders.scaler.log_std).all()


def test_load_series_leaves_jhu_countries_to_the_extras(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"extras/jhu_country\.py"):
        load_series(DataConfig(country="Italy", jhu_dir=tmp_path))
