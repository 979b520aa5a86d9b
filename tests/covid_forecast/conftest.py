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


JHU_NAMES = {"confirmed": "confirmed", "deaths": "deaths", "recovered": "recovered"}


def write_jhu(folder: Path, rows: dict[str, list[tuple]], start: str = "2020-01-22") -> Path:
    """JHU wide files: rows[kind] = [(province, country, cumulative values...), ...]."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, body in rows.items():
        num_days = len(body[0]) - 2
        days = pd.date_range(start, periods=num_days)
        header = ["Province/State", "Country/Region", "Lat", "Long"]
        header += [f"{d.month}/{d.day}/{d.strftime('%y')}" for d in days]
        lines = [",".join(header)]
        for province, country, *values in body:
            quoted = f'"{country}"' if "," in country else country
            lines.append(",".join([province, quoted, "0", "0", *map(str, values)]))
        (folder / f"time_series_covid19_{kind}_global.csv").write_text("\n".join(lines) + "\n")
    return folder


def growing_jhu(folder: Path, num_days: int = 90, num_countries: int = 5) -> Path:
    """Countries whose daily cases grow steadily at different levels, with a weekly dip."""
    t = np.arange(num_days)
    rows: dict[str, list[tuple]] = {"confirmed": [], "deaths": [], "recovered": []}
    names = ["Italy", "Korea, South", "US", "Xland", "Yland", "Zland"][:num_countries]
    for i, name in enumerate(names):
        daily = (20 * (i + 1) ** 2) * np.exp(0.02 * t) * (1 - 0.3 * (t % 7 == 6))
        cumulative = np.round(np.cumsum(daily)).astype(int)
        rows["confirmed"].append(("", name, *cumulative))
        rows["deaths"].append(("", name, *(cumulative // 50)))
        rows["recovered"].append(("", name, *(cumulative // 2)))
    return write_jhu(folder, rows)


TINY_GLOBAL = {"input_days": 14, "horizon": 7, "hidden_size": 8, "num_members": 1, "epochs": 2}


def growing_daily(num_days: int = 90, num_series: int = 6) -> pd.DataFrame:
    t = np.arange(num_days)[:, None]
    levels = 10.0 * 3 ** np.arange(num_series)[None, :]
    values = levels * np.exp(0.02 * t) * (1 - 0.3 * (t % 7 == 6))
    return pd.DataFrame(values, index=pd.date_range("2020-03-01", periods=num_days))


@pytest.fixture(scope="session")
def tiny_global_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny global run on growing fake JHU data (no backtest yet)."""
    from apps.covid_forecast.jhu.config import GlobalConfig
    from apps.covid_forecast.jhu.train import train_global

    root = tmp_path_factory.mktemp("global")
    jhu = growing_jhu(root / "jhu", num_days=90)
    cfg = GlobalConfig(**TINY_GLOBAL)
    return train_global(jhu, cfg, root / "runs", progress=False).run_dir
