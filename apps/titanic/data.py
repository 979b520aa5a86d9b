"""Step 1 of 6, prepare the data: passenger CSVs -> validated frames -> fitted features -> loaders.

    refapps titanic download   # REFAPPS_DATA/titanic/{train,test}.csv, sha256-verified

The features (`features.py`) are fitted on the training split only and saved as JSON in the
run, so evaluate, predict and the page transform new passengers exactly as in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def read_csv(path: Path, require_target: bool = False) -> pd.DataFrame:
    """A passenger CSV, validated: the verified defaults, or a file `csv_files.py` checked."""
    return validate_passengers(pd.read_csv(path), require_target, source=str(path))


def validate_passengers(
    df: pd.DataFrame, require_target: bool = False, source: str = "input"
) -> pd.DataFrame:
    """Check columns and values; return a frame with normalised types (a copy)."""
    needed = (*REQUIRED_COLUMNS, TARGET) if require_target else REQUIRED_COLUMNS
    df = df.loc[:, ~pd.Index(df.columns).duplicated()].copy()
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise UserError(f"{source} is missing the column(s) {', '.join(missing)}.")
    for column in ("Age", "SibSp", "Parch", "Fare", "Pclass"):
        values = pd.to_numeric(df[column], errors="coerce")
        if (row := _first(values.isna() & df[column].notna())) is not None:
            text = f"must be a number (row {row + 1}: {df[column].iloc[row]!r})"
            raise UserError(f"{source}: {column} {text}.")
        df[column] = values
        low, high = RANGES.get(column, (-np.inf, np.inf))
        if (row := _first((values < low) | (values > high))) is not None:
            text = f"must be between {low:g} and {high:g} (row {row + 1}: {values.iloc[row]:g})"
            raise UserError(f"{source}: {column} {text}.")
    df["Sex"] = df["Sex"].astype("string").str.strip().str.lower()
    df["Embarked"] = df["Embarked"].astype("string").str.strip().str.upper()
    allowed = {"Pclass": PCLASSES, "Sex": SEXES} | ({TARGET: (0, 1)} if require_target else {})
    for column, choices in allowed.items():
        if (row := _first(~df[column].isin(choices))) is not None:
            value = df[column].tolist()[row]  # a Python value: the message reads 4, not np.int64(4)
            text = f"must be one of {', '.join(map(str, choices))} (row {row + 1}: {value!r})"
            raise UserError(f"{source}: {column} {text}.")
    if require_target:
        df[TARGET] = df[TARGET].astype(int)
    for column in OPTIONAL_COLUMNS:
        if column not in df.columns:
            df[column] = pd.NA
    return df


def _first(bad: pd.Series) -> int | None:
    """The position of the first True in `bad`, or None."""
    rows = np.flatnonzero(bad.to_numpy())
    return int(rows[0]) if len(rows) else None


@dataclass
class Loaders:
    train: DataLoader
    val: DataLoader | None  # None: no held-out split (`val_fraction` 0)
    test: DataLoader
    preprocessor: Preprocessor


def read_splits(
    cfg: DataConfig, max_samples: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test passengers; with `train_on_all`, both go into training."""
    train_path, test_path = csv_paths(cfg)
    train_df = read_csv(train_path, require_target=True)
    test_df = read_csv(test_path, require_target=True)
    if max_samples is not None:
        train_df, test_df = train_df.head(max_samples), test_df.head(max_samples)
    if cfg.train_on_all:
        train_df = pd.concat([train_df, test_df], ignore_index=True)
    return train_df.reset_index(drop=True), test_df.reset_index(drop=True)


def make_loaders(
    cfg: DataConfig,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    max_samples: int | None = None,
) -> Loaders:
    """Read, split (when `val_fraction` > 0), fit on train only, and wrap in DataLoaders."""
    train_df, test_df = read_splits(cfg, max_samples)
    val_df = None  # no held-out split: the loop then validates on test and keeps the last epoch
    if cfg.val_fraction > 0:
        from sklearn.model_selection import train_test_split

        train_df, val_df = train_test_split(
            train_df, test_size=cfg.val_fraction, random_state=seed, stratify=train_df[TARGET]
        )
    preprocessor = fit_preprocessor(train_df, cfg.features)

    def dataset(df: pd.DataFrame, is_training: bool = False) -> TensorDataset:
        x = torch.from_numpy(preprocessor.transform(df, is_training, seed))
        return TensorDataset(x, torch.tensor(df[TARGET].to_numpy(), dtype=torch.float32))

    train = DataLoader(dataset(train_df, True), batch_size, shuffle=True, generator=generator)
    val = None if val_df is None else DataLoader(dataset(val_df), batch_size=256)
    test = DataLoader(dataset(test_df), batch_size=256)
    return Loaders(train, val, test, preprocessor)
