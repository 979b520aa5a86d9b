"""Step 1 of 6, prepare the data: cumulative counts -> validated table -> increments -> windows.

    refapps covid_forecast download   # REFAPPS_DATA/covid/covid-19.csv, sha256-verified

Any table with a date column and cumulative count columns works (`--csv`). Bad input is
refused with a message naming the file, column and date; `repair=True` (`--repair`) instead
takes the running maximum of each cumulative series and interpolates missing dates.
(A JHU country, `--country`, is read by extras/jhu_country.py.)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from common.data import data_root, fetch_verified
from common.errors import UserError

from .config import DataConfig

URL = (
    "https://raw.githubusercontent.com/lyhue1991/eat_pytorch_in_20_days/"
    "9c3c0b1f27b5b56c5879f7ab739089887d756a6c/data/covid-19.csv"
)
SHA256 = "b1ee30592132ab7b853871b2893517b96fccf3269c93a724c67a185419e1e05b"
MAX_ROWS = 100_000
MAX_BYTES = 20_000_000


def download(data_dir: Path | None = None) -> Path:
    """Fetch covid-19.csv (no network when it is present and verified)."""
    return fetch_verified(URL, SHA256, (data_dir or data_root() / "covid") / "covid-19.csv")


def read_table(path_or_buffer: Any, repair: bool = False) -> pd.DataFrame:
    """A CSV/TSV of cumulative counts -> a validated frame indexed by consecutive dates."""
    name = getattr(path_or_buffer, "name", str(path_or_buffer))
    text = _read_text(path_or_buffer, name)
    if not text.strip():
        raise UserError(f"{name} is empty; expected a date column and cumulative count columns.")
    try:  # the separator sniffer wants text
        df = pd.read_csv(io.StringIO(text), sep=None, engine="python", nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError as err:
        raise UserError(f"{name} is empty.") from err
    except (pd.errors.ParserError, csv.Error, ValueError, TypeError, IndexError) as err:
        raise UserError(f"{name} is not a readable CSV file ({type(err).__name__}).") from err
    if len(df) > MAX_ROWS:
        raise UserError(f"{name} has more than {MAX_ROWS:,} rows.")
    if len(df.columns) < 2:
        raise UserError(f"{name} needs a date column and at least one cumulative count column.")
    if df.empty:
        raise UserError(f"{name} has a header but no rows; add one row per day.")
    lower = [str(c).strip().lower() for c in df.columns]
    date_column = df.columns[lower.index("date")] if "date" in lower else df.columns[0]
    return validate_cumulative(df.set_index(date_column), name, repair)


def _read_text(path_or_buffer: Any, name: str) -> str:
    """Bytes of a path or an upload -> text; size and encoding problems are UserErrors."""
    if hasattr(path_or_buffer, "read"):
        raw = path_or_buffer.read()
    elif not Path(path_or_buffer).is_file():
        raise UserError(f"CSV file not found: {path_or_buffer}")
    elif Path(path_or_buffer).stat().st_size > MAX_BYTES:
        raise UserError(f"{name} is larger than {MAX_BYTES // 1_000_000} MB.")
    else:
        raw = Path(path_or_buffer).read_bytes()
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UserError(f"{name} is not UTF-8 text; save it as UTF-8 CSV.") from err


def shown(value: Any) -> str:
    """A cell as a user reads it: 'many', 'empty' (not np.float64(nan))."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    return repr(str(value)) if isinstance(value, str) else str(value)


def validate_cumulative(df: pd.DataFrame, source: str, repair: bool = False) -> pd.DataFrame:
    """Check dates and counts; every problem names the column and the date (or row)."""
    dates = pd.to_datetime(pd.Series(df.index.astype(str)), errors="coerce", format="mixed")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise UserError(f"{source}: row {row + 1} has no readable date ({shown(df.index[row])}).")
    out = pd.DataFrame(index=pd.DatetimeIndex(dates, name="date"))
    for column in df.columns:
        raw = df[column].reset_index(drop=True)
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() | ~np.isfinite(values.astype(float))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(
                f"{source}: {column} must be a number on every row "
                f"(row {row + 1}, {dates[row].date()}: {shown(raw.iloc[row])})."
            )
        if (values < 0).any():
            row = int(np.flatnonzero((values < 0).to_numpy())[0])
            raise UserError(f"{source}: {column} is negative on {dates[row].date()}.")
        out[str(column).strip()] = values.to_numpy(dtype=float)
    if out.index.has_duplicates:
        raise UserError(
            f"{source}: the date {out.index[out.index.duplicated()][0].date()} repeats."
        )
    out = out.sort_index()  # rows in any order are fine; gaps are not (below)
    return _check_continuity(out, source, repair)


def _check_continuity(df: pd.DataFrame, source: str, repair: bool) -> pd.DataFrame:
    full = pd.date_range(df.index[0], df.index[-1], freq="D", name="date")
    missing = full.difference(df.index)
    if len(missing) and not repair:
        raise UserError(
            f"{source}: {len(missing)} date(s) missing, first {missing[0].date()}; "
            "daily counts need every day (or pass --repair to interpolate them)."
        )
    if repair:
        df = df.cummax()  # before interpolating, so filled days sit on the repaired curve
    df = df.reindex(full).interpolate(method="time")
    drops = df.diff() < 0
    if drops.any().any() and not repair:
        column = drops.any().idxmax()
        day = drops[column].idxmax().date()
        raise UserError(
            f"{source}: cumulative {column} goes down on {day}; cumulative counts never fall "
            "(fix the file, or pass --repair to keep the running maximum)."
        )
    return df


def load_series(cfg: DataConfig) -> pd.DataFrame:
    """The configured cumulative counts: --csv, or the tutorial's China data."""
    if cfg.country is not None:  # the front-ends read it with extras/jhu_country.py
        raise ValueError("load_series reads tables; a JHU country needs extras/jhu_country.py")
    return check_length(read_table(cfg.csv or download(), cfg.repair), cfg.window)


def check_length(cumulative: pd.DataFrame, window: int) -> pd.DataFrame:
    if len(cumulative) < window + 3:
        raise UserError(f"Need at least {window + 3} days of data (got {len(cumulative)}).")
    return cumulative


def daily_increments(cumulative: pd.DataFrame) -> pd.DataFrame:
    """New counts per day (the first day has no previous day and is dropped)."""
    return cumulative.diff().iloc[1:]


def make_windows(increments: np.ndarray, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, C) daily counts -> x (N - window, window, C) and y (N - window, C), the next day."""
    values = torch.as_tensor(np.ascontiguousarray(increments, dtype=np.float32))
    x = values.unfold(0, window, 1)[:-1].transpose(1, 2)  # (N - window, window, C)
    return x.contiguous(), values[window:]


@dataclass(frozen=True)
class Scaler:
    """Mean and std of log1p(daily counts) per series, fitted on training days only."""

    log_mean: list[float]
    log_std: list[float]

    @classmethod
    def fit(cls, increments: np.ndarray) -> Scaler:
        logs = np.log1p(np.clip(np.asarray(increments, dtype=np.float64), 0, None))
        return cls(logs.mean(0).tolist(), np.maximum(logs.std(0), 1e-3).tolist())

    def to_json(self) -> dict[str, list[float]]:
        return {"log_mean": self.log_mean, "log_std": self.log_std}


@dataclass
class Loaders:
    train: list[tuple[torch.Tensor, torch.Tensor]]
    val: list[tuple[torch.Tensor, torch.Tensor]]
    scaler: Scaler
    series: list[str]


def make_loaders(increments: pd.DataFrame, window: int) -> Loaders:
    """Full-batch loaders (the data is tiny); the training windows double as validation.

    As in the tutorial, every window trains the model; `evaluate` (extras/backtest.py) is
    the honest check: it retrains on the days before each origin only.
    """
    values = increments.to_numpy(dtype=np.float32)
    x, y = make_windows(values, window)
    if len(x) < 1:
        raise UserError(f"No training windows: need more than {window} days.")
    train = [(x, y)]
    return Loaders(train, train, Scaler.fit(values), [str(c) for c in increments.columns])
