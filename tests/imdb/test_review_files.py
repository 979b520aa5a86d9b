"""What `predict` reads: arguments, standard input, text files and CSV columns, strict UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.imdb.review_files import collect_reviews, read_lines, read_review_csv
from common.errors import UserError

NO_STDIN = lambda: b""  # noqa: E731


def test_readers_refuse_other_encodings_binary_and_empty_reviews() -> None:
    with pytest.raises(UserError, match=r"not UTF-8 text \(byte 0xe8"):
        read_lines("très bon film\n".encode("latin-1"), "latin1.txt")
    with pytest.raises(UserError, match="binary"):
        read_lines(b"\x89PNG\r\n\x1a\n\x00\x00", "image.png")
    with pytest.raises(UserError, match="no column 'review'"):
        read_review_csv(b"text\ngood\n", "r.csv", "review")
    assert read_lines("\ufeffgreat\n\n  \nbad\r\n".encode(), "f.txt") == ["great", "bad"]


def test_a_csv_row_keeps_its_place_when_its_review_is_empty() -> None:
    rows = read_review_csv(b"id,text\n1,good\n2,   \n\n4,bad\n\n", "r.csv", "text")
    assert rows == ["good", "   ", "", "bad"]  # blank line 4 is a row; the end's is not
    assert read_review_csv(b"text\ngood\n\nbad", "r.csv", "text") == ["good", "", "bad"]
    with pytest.raises(UserError, match="header but no reviews"):
        read_review_csv(b"text\n\n\n", "r.csv", "text")


def test_collect_reviews_from_arguments_stdin_file_and_csv(tmp_path: Path) -> None:
    file = tmp_path / "r.txt"
    file.write_text("from file\n", encoding="utf-8")
    csv = tmp_path / "r.csv"
    csv.write_text("id,review\n1,from csv\n", encoding="utf-8")
    found = collect_reviews(["arg", "-"], file, csv, "review", lambda: b"from stdin\n")
    assert found == ["arg", "from stdin", "from file", "from csv"]
    with pytest.raises(UserError, match="not valid UTF-8"):  # a latin-1 terminal's argument
        collect_reviews(
            [b"tr\xe8s bon".decode("utf-8", "surrogateescape")], None, None, "t", NO_STDIN
        )
    with pytest.raises(UserError, match="argument 1 is empty"):
        collect_reviews(["  "], None, None, "text", NO_STDIN)
    with pytest.raises(UserError, match="is a folder"):
        collect_reviews([], tmp_path, None, "text", NO_STDIN)
    with pytest.raises(UserError, match="standard input"):
        collect_reviews([], None, None, "text", NO_STDIN)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(raw=st.binary(max_size=300))
def test_any_bytes_give_reviews_or_a_user_error(raw: bytes) -> None:
    for read in (
        lambda: read_lines(raw, "f.txt"),
        lambda: read_review_csv(raw, "f.csv", "text"),
    ):
        try:
            texts = read()
        except UserError:
            continue
        assert texts
        assert all(isinstance(t, str) for t in texts)
        assert all("\ufffd" not in t or "\ufffd".encode() in raw for t in texts)
