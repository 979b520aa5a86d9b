"""Front-end helper: the reviews `refapps imdb predict` reads from arguments and files.

    refapps imdb predict --file reviews.txt --out results.csv     # one review a line
    refapps imdb predict --csv reviews.csv --column review
    cat reviews.txt | refapps imdb predict -

Every reader takes raw bytes and decodes them as strict UTF-8: a file in another encoding
or a binary file is refused with a `UserError` that says so (never silent replacement
characters). An empty review given as an argument is refused, as on the page; blank lines
of a text file separate nothing and are skipped; a CSV row with an empty review keeps its
place and is answered with a reason instead of a label, so the output lines up with the input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from common.errors import UserError

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


def check_texts(texts: list[str], source: str, allow_empty: bool = False) -> list[str]:
    """Refuse empty reviews and strings that cannot be encoded (e.g. a latin-1 terminal)."""
    for i, text in enumerate(texts, start=1):
        if not text.strip() and not allow_empty:
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


def read_frame(text: str, name: str, keep_blank: bool = False) -> pd.DataFrame:
    """A CSV with a header; with `keep_blank`, a blank line is a row of empty cells."""
    try:
        return pd.read_csv(
            io.StringIO(text.rstrip("\r\n") if keep_blank else text),  # end: not rows
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=not keep_blank,
            nrows=MAX_REVIEWS + 1,
        )
    except pd.errors.EmptyDataError:
        raise UserError(f"{name} is empty.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as err:
        raise UserError(f"{name} is not a readable CSV file ({err}).") from None


def read_review_csv(raw: bytes, name: str, column: str) -> list[str]:
    """The reviews in one column of a CSV file with a header row, one per row, empty ones too."""
    df = read_frame(decode_text(raw, name), name, keep_blank=True)
    if column not in df.columns:
        found = ", ".join(map(str, df.columns)) or "none"
        raise UserError(
            f"{name} has no column {column!r} (found: {found}); pick one with --column."
        )
    texts = [str(v) for v in df[column].tolist()]
    if not texts:
        raise UserError(f"{name} has a header but no reviews.")
    return check_texts(texts, f"{name}: row", allow_empty=True)


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
    return check_texts(found, "Review", allow_empty=True)  # empty ones: CSV rows, answered
