"""Tiny fake COVID data in the real on-disk formats, and one tiny trained run to share."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.covid_forecast.config import TRAIN_DEFAULTS, DataConfig, ModelConfig

SERIES = ("confirmed_num", "cured_num", "dead_num")


def cumulative_frame(num_days: int = 30) -> pd.DataFrame:
    """A rise-and-fall epidemic: daily counts peak on day 12, cumulative counts never fall."""
    t = np.arange(num_days)
    daily = np.stack(
        [300 * np.exp(-(((t - 12) / 6) ** 2)) + 3, 40 + 5 * t, 10 * np.exp(-t / 15) + 1], axis=1
    )
    dates = pd.date_range("2020-01-24", periods=num_days).strftime("%Y-%m-%d")
    return pd.DataFrame(np.round(daily.cumsum(0)), columns=SERIES).assign(date=dates)[
        ["date", *SERIES]
    ]


@pytest.fixture(scope="session")
def covid_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tab-separated like the tutorial's covid-19.csv."""
    path = tmp_path_factory.mktemp("data") / "covid" / "covid-19.csv"
    path.parent.mkdir(parents=True)
    cumulative_frame().to_csv(path, sep="\t", index=False)
    return path


@pytest.fixture(autouse=True)
def _data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def tiny_configs(
    covid_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DataConfig, ModelConfig, object]:
    train_cfg = dataclasses.replace(
        TRAIN_DEFAULTS, epochs=3, runs_dir=tmp_path_factory.mktemp("runs")
    )
    return DataConfig(csv=covid_csv), ModelConfig(hidden_size=4, num_members=2), train_cfg


@pytest.fixture(scope="session")
def tiny_run(tiny_configs: tuple) -> Path:
    from apps.covid_forecast.train import train

    return train(*tiny_configs, progress=False).run_dir
