"""Any bytes given to the table reader raise only the project's own errors (UserError)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.covid_forecast.data import read_table
from common.errors import UserError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cells = st.one_of(
    st.integers(-5, 10**12).map(str),
    st.sampled_from(["", "nan", "inf", "-1e400", "1e309", "x", '"a,b"', "2020-13-01", "0x10"]),
    st.text(max_size=6),
)
csv_like = st.lists(st.lists(cells, min_size=1, max_size=6), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows)
)


class Upload(io.BytesIO):
    name = "upload.csv"


@SETTINGS
@given(st.one_of(st.binary(max_size=300), csv_like.map(str.encode)))
def test_covid_csv_reader_raises_only_user_errors(data: bytes) -> None:
    try:
        frame = read_table(Upload(data))
    except UserError:
        return
    assert frame.index.is_monotonic_increasing
