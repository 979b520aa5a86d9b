"""Step 1, prepare the data: passenger CSVs -> validated frames -> fitted features -> loaders.

    refapps titanic download   # REFAPPS_DATA/titanic/{train,test}.csv, sha256-verified

The preprocessing is fitted on the training split only and saved as JSON in the run, so
evaluate, predict and the page transform new passengers exactly as in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from common.data import data_root, fetch_verified
from common.errors import UserError

from .config import DataConfig
from .features import TARGET, Preprocessor, fit_preprocessor

BASE_URL = (
    "https://raw.githubusercontent.com/lyhue1991/eat_pytorch_in_20_days/"
    "9c3c0b1f27b5b56c5879f7ab739089887d756a6c/data/titanic/"
)
SHA256 = {
    "train.csv": "c8aea21ec4a1d52b8ee54c1863f53a933cae08146b4ee6052572c32e7fe873a5",
    "test.csv": "339f347ab9264be6d1964c2f4c979356a675022be871f667a1ae987fea2fe803",
}
REQUIRED_COLUMNS = ("Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked")
OPTIONAL_COLUMNS = ("Name", "Cabin", "Ticket", "PassengerId")
CLASSES = ("died", "survived")
SEXES = ("male", "female")
PCLASSES = (1, 2, 3)
RANGES = {"Age": (0.0, 120.0), "SibSp": (0, 20), "Parch": (0, 20), "Fare": (0.0, 10_000.0)}
MAX_ROWS = 100_000


def download(data_dir: Path | None = None) -> list[Path]:
    """Fetch train.csv and test.csv (no network when they are present and verified)."""
    folder = data_dir or data_root() / "titanic"
    return [fetch_verified(BASE_URL + name, sha, folder / name) for name, sha in SHA256.items()]


def csv_paths(cfg: DataConfig) -> tuple[Path, Path]:
    """The configured CSVs, or the verified defaults under REFAPPS_DATA."""
    if cfg.train_csv is not None and cfg.test_csv is not None:
        return Path(cfg.train_csv), Path(cfg.test_csv)
    default_train, default_test = download()
    return Path(cfg.train_csv or default_train), Path(cfg.test_csv or default_test)


def read_passengers(path_or_buffer: Any, require_target: bool = False) -> pd.DataFrame:
    """Read a passenger CSV and validate it; every problem names its column (and row)."""
    name = getattr(path_or_buffer, "name", str(path_or_buffer))
    if isinstance(path_or_buffer, str | Path) and not Path(path_or_buffer).is_file():
        raise UserError(f"CSV file not found: {path_or_buffer}")
    try:
        df = pd.read_csv(path_or_buffer, nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError as err:
        raise UserError(f"{name} is empty.") from err
    except Exception as err:  # any parser failure on any bytes is the file's fault
        raise UserError(f"{name} is not a readable CSV file ({type(err).__name__}).") from err
    if len(df.columns) == 1 and ";" in str(df.columns[0]):
        raise UserError(
            f"{name}: the separator looks like ';'. Save the file with commas (',') between "
            "columns, as Kaggle's CSVs are."
        )
    if df.empty:
        raise UserError(f"{name} has a header but no passengers.")
    if len(df) > MAX_ROWS:
        raise UserError(f"{name} has more than {MAX_ROWS:,} rows; split it into smaller files.")
    return validate_passengers(df, require_target=require_target, source=name)


def validate_passengers(
    df: pd.DataFrame, require_target: bool = False, source: str = "input"
) -> pd.DataFrame:
    """Check columns and values; return a frame with normalised types (a copy)."""
    needed = (*REQUIRED_COLUMNS, TARGET) if require_target else REQUIRED_COLUMNS
    df = df.loc[:, ~pd.Index(df.columns).duplicated()]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise UserError(f"{source} is missing the column(s) {', '.join(missing)}.")
    df = df.copy()
    for column in ("Age", "SibSp", "Parch", "Fare", "Pclass"):
        values = pd.to_numeric(df[column], errors="coerce")
        bad = values.isna() & df[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(
                f"{source}: {column} must be a number (row {row + 1}: {df[column].iloc[row]!r})."
            )
        df[column] = values
        if column in RANGES:
            low, high = RANGES[column]
            out = values.notna() & ((values < low) | (values > high))
            if out.any():
                row = int(np.flatnonzero(out.to_numpy())[0])
                value = values.iloc[row]
                raise UserError(
                    f"{source}: {column} must be between {low:g} and {high:g} "
                    f"(row {row + 1}: {value:g})."
                )
    _check_allowed(df, "Pclass", PCLASSES, source, allow_missing=False)
    df["Sex"] = df["Sex"].astype("string").str.strip().str.lower()
    _check_allowed(df, "Sex", SEXES, source, allow_missing=False)
    df["Embarked"] = df["Embarked"].astype("string").str.strip().str.upper()
    if require_target:
        _check_allowed(df, TARGET, (0, 1), source, allow_missing=False)
        df[TARGET] = df[TARGET].astype(int)
    for column in OPTIONAL_COLUMNS:
        if column not in df.columns:
            df[column] = pd.NA
    return df


def _check_allowed(
    df: pd.DataFrame, column: str, allowed: tuple, source: str, allow_missing: bool
) -> None:
    values = df[column]
    bad = ~values.isin(allowed) if not allow_missing else values.notna() & ~values.isin(allowed)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        choices = ", ".join(str(a) for a in allowed)
        value = values.tolist()[row]  # a Python value, so the message reads 4, not np.int64(4)
        raise UserError(f"{source}: {column} must be one of {choices} (row {row + 1}: {value!r}).")


@dataclass
class Splits:
    train: pd.DataFrame
    test: pd.DataFrame


@dataclass
class Loaders:
    train: DataLoader
    val: DataLoader | None  # None: no held-out split (`val_fraction` 0)
    test: DataLoader
    preprocessor: Preprocessor
    num_features: int


def read_splits(cfg: DataConfig, max_samples: int | None = None) -> Splits:
    """The training and test passengers; with `train_on_all`, both go into training."""
    train_path, test_path = csv_paths(cfg)
    train_df = read_passengers(train_path, require_target=True)
    test_df = read_passengers(test_path, require_target=True)
    if max_samples is not None:
        train_df, test_df = train_df.head(max_samples), test_df.head(max_samples)
    if cfg.train_on_all:
        train_df = pd.concat([train_df, test_df], ignore_index=True)
    return Splits(train_df.reset_index(drop=True), test_df.reset_index(drop=True))


def make_loaders(
    cfg: DataConfig,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    max_samples: int | None = None,
) -> Loaders:
    """Read, split (when `val_fraction` > 0), fit on train only, and wrap in DataLoaders."""
    splits = read_splits(cfg, max_samples)
    train_df, test_df = splits.train, splits.test
    val_df = None  # no held-out split: the loop then validates on test and keeps the last epoch
    if cfg.val_fraction > 0:
        from sklearn.model_selection import train_test_split

        train_df, val_df = train_test_split(
            train_df, test_size=cfg.val_fraction, random_state=seed, stratify=train_df[TARGET]
        )
    preprocessor = fit_preprocessor(train_df, cfg.features)

    def dataset(df: pd.DataFrame, is_training: bool = False) -> TensorDataset:
        x = torch.from_numpy(preprocessor.transform(df, is_training, seed))
        y = torch.tensor(df[TARGET].to_numpy(), dtype=torch.float32)
        return TensorDataset(x, y)

    return Loaders(
        train=DataLoader(
            dataset(train_df, is_training=True),
            batch_size=batch_size,
            shuffle=True,
            generator=generator,
        ),
        val=None if val_df is None else DataLoader(dataset(val_df), batch_size=256),
        test=DataLoader(dataset(test_df), batch_size=256),
        preprocessor=preprocessor,
        num_features=len(preprocessor.feature_names),
    )
