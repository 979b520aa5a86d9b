"""--kaggle FILE: a Kaggle submission, exactly `PassengerId,Survived`, from Kaggle's test.csv.

    refapps titanic train --train-on-all
    refapps titanic predict --csv kaggle/test.csv --kaggle submission.csv

Kaggle rejects a file with a missing, non-integer or repeated PassengerId, so such an input
is refused with the ids named, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common.errors import UserError

from ..csv_files import read_passengers
from ..predict import Predictor

ID = "PassengerId"


def check_ids(ids: pd.Series, source: str) -> pd.Series:
    """The ids as integers; missing, non-integer or repeated ones are refused by name."""
    numbers = pd.to_numeric(ids, errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise UserError(
            f"{source}: every {ID} must be a whole number (row {row + 1}: {ids.iloc[row]!r})."
        )
    numbers = numbers.astype(int)
    repeated = sorted(set(numbers[numbers.duplicated()]))
    if repeated:
        shown = ", ".join(map(str, repeated[:10])) + (" ..." if len(repeated) > 10 else "")
        raise UserError(
            f"{source}: {ID} {shown} appear(s) more than once, and Kaggle rejects repeated "
            "ids; keep one row per passenger."
        )
    return numbers


def kaggle_submission(predictor: Predictor, csv_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the submission, the full predictions table) for a Kaggle test.csv."""
    source = str(csv_path)
    df = read_passengers(csv_path)  # adds a blank PassengerId column when there is none
    if ID not in pd.read_csv(csv_path, nrows=0).columns:
        raise UserError(f"{source} has no {ID} column, which a Kaggle submission needs.")
    ids = check_ids(df[ID], source)
    table = predictor.predict_frame(df, source)
    submission = pd.DataFrame({ID: ids, "Survived": table["predicted"].astype(int)})
    return submission, table
