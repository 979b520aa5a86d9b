"""--train-file / --test-file FILE: train or test on a CSV/TSV of (label, text), not aclImdb.

    refapps imdb train --train-file train.csv --test-file test.tsv
    refapps imdb evaluate --test-file other_test.csv

The tutorial's own format: one review a row, the label first (`0/1`, `neg/pos` or
`negative/positive`), a header row optional; `.tsv` files are split at tabs, anything else
at commas. A split without a file still comes from the aclImdb folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.errors import UserError

from ..config import DataConfig
from ..data import Reviews, load_split

LABEL_NAMES = {"0": 0, "1": 1, "neg": 0, "pos": 1, "negative": 0, "positive": 1}
MAX_ROWS = 200_000


def read_split(cfg: DataConfig, split: str) -> Reviews:
    """`split` from its file when one is given, else from the aclImdb folder."""
    path = cfg.train_file if split == "train" else cfg.test_file
    return read_table(path) if path is not None else load_split(split)


def read_table(path_or_buffer: Any, name: str | None = None) -> Reviews:
    """A CSV or TSV of (label, text), with or without a header; labels 0/1 or neg/pos."""
    name = name or getattr(path_or_buffer, "name", str(path_or_buffer))
    if isinstance(path_or_buffer, str | Path) and not Path(path_or_buffer).is_file():
        raise UserError(f"Review file not found: {path_or_buffer}")
    sep = "\t" if str(name).lower().endswith(".tsv") else ","
    try:
        df = pd.read_csv(
            path_or_buffer,
            sep=sep,
            header=None,
            dtype=str,
            nrows=MAX_ROWS + 2,
            keep_default_na=False,
            quoting=3 if sep == "\t" else 0,
        )
    except pd.errors.EmptyDataError as err:
        raise UserError(f"{name} is empty.") from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{name} is not a readable CSV/TSV file ({type(err).__name__}).") from err
    if df.shape[1] < 2:
        raise UserError(f"{name} needs two columns, label and text (separator {sep!r}).")
    if str(df.iloc[0, 0]).strip().lower() == "label":
        df = df.iloc[1:]
    if df.empty or len(df) > MAX_ROWS:
        raise UserError(f"{name} must have between 1 and {MAX_ROWS:,} reviews.")
    labels = df.iloc[:, 0].str.strip().str.lower().map(LABEL_NAMES)
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise UserError(
            f"{name}: label must be 0/1 or neg/pos (row {row + 1}: {df.iloc[row, 0]!r})."
        )
    texts = df.iloc[:, 1:].astype(str).agg(sep.join, axis=1).tolist()  # text held separators
    return Reviews(texts, labels.to_numpy(dtype=np.int64))
