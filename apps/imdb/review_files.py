"""Reviews from people's files: what `predict` reads and what `evaluate --other-reviews` scores.

    refapps imdb predict --file reviews.txt --out results.csv     # one review a line
    refapps imdb predict --csv reviews.csv --column review
    cat reviews.txt | refapps imdb predict -
    refapps imdb evaluate --other-reviews yelp_labelled.txt       # sentence<TAB>label lines

Every reader takes raw bytes and decodes them as strict UTF-8: a file in another encoding
or a binary file is refused with a `UserError` that says so (never silent replacement
characters). An empty or whitespace-only review is refused, as on the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from common.errors import UserError

from .data import LABEL_NAMES, Reviews

MAX_REVIEWS = 100_000
MAX_BYTES = 200 * 1024 * 1024  # larger inputs are refused before they are read into memory


def read_bytes(path: Path) -> bytes:
    """A file's bytes, with clear errors for a missing path, a folder or a huge file."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a text file.")
    if not path.is_file():
        raise UserError(f"File not found: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"{path} is larger than {MAX_BYTES // 2**20} MB; split it.")
    return path.read_bytes()


def decode_text(raw: bytes, name: str) -> str:
    """Strict UTF-8 (a byte-order mark is allowed); binary or other encodings are refused."""
    if b"\x00" in raw:
        raise UserError(f"{name} looks like a binary file (it holds NUL bytes); give UTF-8 text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UserError(
            f"{name} is not UTF-8 text (byte 0x{raw[err.start]:02x} at position {err.start}); "
            "save it as UTF-8 and try again."
        ) from None


def check_texts(texts: list[str], source: str) -> list[str]:
    """Refuse empty reviews and strings that cannot be encoded (e.g. a latin-1 terminal)."""
    for i, text in enumerate(texts, start=1):
        if not text.strip():
            raise UserError(f"{source} {i} is empty; give the text of a review.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UserError(
                f"{source} {i} is not valid UTF-8 text (is the terminal set to another "
                "encoding?); set a UTF-8 locale or pass the reviews with --file in UTF-8."
            ) from None
    if len(texts) > MAX_REVIEWS:
        raise UserError(f"At most {MAX_REVIEWS:,} reviews at a time; split the input.")
    return texts


def read_lines(raw: bytes, name: str) -> list[str]:
    """One review a line; blank lines are skipped (they separate nothing)."""
    lines = [line for line in decode_text(raw, name).splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{name} holds no reviews (one review a line expected).")
    return check_texts(lines, f"{name}: review")


def _frame(text: str, name: str, sep: str = ",") -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            nrows=MAX_REVIEWS + 1,
            quoting=3 if sep == "\t" else 0,
        )
    except pd.errors.EmptyDataError:
        raise UserError(f"{name} is empty.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as err:
        raise UserError(f"{name} is not a readable CSV file ({err}).") from None


def read_review_csv(raw: bytes, name: str, column: str) -> list[str]:
    """The reviews in one column of a CSV file with a header row."""
    df = _frame(decode_text(raw, name), name)
    if column not in df.columns:
        found = ", ".join(map(str, df.columns)) or "none"
        raise UserError(
            f"{name} has no column {column!r} (found: {found}); pick one with --column."
        )
    texts = [str(v) for v in df[column].tolist()]
    if not texts:
        raise UserError(f"{name} has a header but no reviews.")
    return check_texts(texts, f"{name}: row")


def _labels(values: list[str], name: str) -> np.ndarray:
    labels = [LABEL_NAMES.get(v.strip().lower()) for v in values]
    for row, (label, value) in enumerate(zip(labels, values, strict=True), start=1):
        if label is None:
            raise UserError(f"{name}: label must be 0/1 or neg/pos (row {row}: {value[:40]!r}).")
    return np.array(labels, dtype=np.int64)


def read_labelled(raw: bytes, name: str) -> Reviews:
    """`sentence<TAB>label` lines (the UCI sentiment sets) or a CSV with `text,label` columns."""
    text = decode_text(raw, name)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{name} is empty.")
    if "\t" in lines[0]:
        pairs = [line.rsplit("\t", 1) for line in lines]
        if any(len(p) != 2 for p in pairs):
            raise UserError(f"{name}: every line needs sentence<TAB>label.")
        if pairs[0][1].strip().lower() == "label":
            pairs = pairs[1:]
        texts, values = [p[0] for p in pairs], [p[1] for p in pairs]
    else:
        df = _frame(text, name)
        if not {"text", "label"} <= set(df.columns):
            raise UserError(f"{name}: a CSV needs a header with columns text and label.")
        texts, values = [str(v) for v in df["text"]], [str(v) for v in df["label"]]
    if not texts:
        raise UserError(f"{name} has no labelled reviews.")
    labels = _labels(values, name)
    return Reviews(check_texts(texts, f"{name}: review"), labels)


def collect_reviews(
    texts: list[str],
    file: Path | None,
    csv_path: Path | None,
    column: str,
    read_stdin: Callable[[], bytes],
) -> list[str]:
    """Reviews from arguments ('-': standard input), a text file and a CSV column, in order."""
    check_texts([text for text in texts if text != "-"], "Review argument")
    found: list[str] = []
    for text in texts:
        found += read_lines(read_stdin(), "standard input") if text == "-" else [text]
    if file is not None:
        found += read_lines(read_bytes(file), str(file))
    if csv_path is not None:
        found += read_review_csv(read_bytes(csv_path), str(csv_path), column)
    if not found:
        raise UserError(
            "Give review texts as arguments, '-' for standard input, --file FILE "
            "(one review a line) or --csv FILE."
        )
    return check_texts(found, "Review")
