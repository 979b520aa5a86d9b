"""Property tests: no bytes and no frame make the passenger reader raise anything but UserError."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.titanic.csv_files import read_passengers
from apps.titanic.data import REQUIRED_COLUMNS, validate_passengers
from apps.titanic.features import fit_preprocessor
from common.errors import UserError

from .conftest import passenger_frame

FITTED = fit_preprocessor(validate_passengers(passenger_frame(40), require_target=True))
CELLS = st.one_of(
    st.none(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["male", "female", "S", "C", "1", "3", "", " ", "nan", "Smith, Dona. X"]),
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def named_buffer(content: bytes) -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = "fuzz.csv"
    return buffer


def read_and_transform(content: bytes) -> None:
    try:
        df = read_passengers(named_buffer(content))
    except UserError:
        return
    assert FITTED.transform(df).shape[0] == len(df)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_give_a_frame_or_a_user_error(content: bytes) -> None:
    read_and_transform(content)


@FAST
@given(
    st.lists(st.lists(CELLS, min_size=len(REQUIRED_COLUMNS), max_size=12), max_size=6),
    st.sampled_from([",", ";", "\t"]),
)
def test_any_csv_text_gives_a_frame_or_a_user_error(rows: list[list], separator: str) -> None:
    header = [*REQUIRED_COLUMNS, "Name", "Ticket", "Cabin", "Survived", "PassengerId"]
    lines = [separator.join(header)]
    lines += [separator.join("" if v is None else str(v) for v in row) for row in rows]
    read_and_transform("\n".join(lines).encode("utf-8", "surrogatepass"))


@FAST
@given(st.dictionaries(st.sampled_from([*REQUIRED_COLUMNS, "Name", "Ticket"]), CELLS))
def test_any_one_row_frame_validates_or_is_a_user_error(row: dict) -> None:
    try:
        df = validate_passengers(pd.DataFrame([row]) if row else pd.DataFrame(), source="f")
    except UserError:
        return
    assert FITTED.transform(df).shape == (1, len(FITTED.feature_names))


def test_semicolons_are_named_not_missing_columns() -> None:
    content = passenger_frame(3).to_csv(index=False, sep=";").encode()
    with pytest.raises(UserError, match="separator looks like ';'"):
        read_passengers(named_buffer(content))
