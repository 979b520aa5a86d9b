"""Front-end: a passenger CSV that a person gives, read in full or refused in one line.

    refapps titanic predict --csv passengers.csv    # also --train-csv, --test-csv, the upload

Any bytes give a validated frame (`data.validate_passengers`) or one `UserError` that names
the file: not found, empty, not a CSV, ';' between columns, no passengers, too many rows.
The default files are sha256-verified, so `data.py` reads those plainly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from common.errors import UserError

from .data import validate_passengers

MAX_ROWS = 100_000


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


def check_training_csvs(*paths: Path | None) -> None:
    """`train --train-csv/--test-csv`: a bad file is refused before anything is trained."""
    for path in paths:
        if path is not None:
            read_passengers(path, require_target=True)
