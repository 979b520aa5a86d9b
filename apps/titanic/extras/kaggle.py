"""--kaggle FILE: a Kaggle submission, exactly `PassengerId,Survived`, from Kaggle's test.csv.

refapps titanic train --train-on-all
refapps titanic predict --csv kaggle/test.csv --kaggle submission.csv
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common.errors import UserError
from common.files import atomic_write

from ..data import read_passengers
from ..predict import Predictor


def kaggle_submission(predictor: Predictor, df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Exactly Kaggle's submission shape: `PassengerId,Survived` with 0/1 integers."""
    if "PassengerId" not in df.columns:
        raise UserError(f"{source} has no PassengerId column, which a Kaggle submission needs.")
    ids = pd.to_numeric(df["PassengerId"], errors="coerce")
    if ids.isna().any() or (ids % 1 != 0).any():
        raise UserError(f"{source}: every PassengerId must be a whole number.")
    table = predictor.predict_frame(df, source)
    return pd.DataFrame(
        {"PassengerId": ids.astype(int), "Survived": table["predicted"].astype(int)}
    )


def write_submission(predictor: Predictor, csv_path: Path, out_path: Path) -> int:
    """Predict a Kaggle test.csv and write `PassengerId,Survived` atomically; returns the rows."""
    submission = kaggle_submission(predictor, read_passengers(csv_path), source=str(csv_path))
    atomic_write(out_path, lambda tmp: submission.to_csv(tmp, index=False))
    return len(submission)
