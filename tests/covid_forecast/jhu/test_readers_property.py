"""Any bytes given to the JHU reader raise only the project's own errors (UserError)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.covid_forecast.jhu.data import read_jhu_file
from common.errors import UserError

HEADER = "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20,1/24/20\n"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cells = st.one_of(
    st.integers(-5, 10**12).map(str),
    st.sampled_from(["", "nan", "inf", "-1e400", "1e309", "x", '"a,b"', "2020-13-01", "0x10"]),
    st.text(max_size=6),
)
csv_like = st.lists(st.lists(cells, min_size=1, max_size=6), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows)
)


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=300),
        csv_like.map(lambda body: (HEADER + body).encode()),
        csv_like.map(str.encode),
    )
)
def test_jhu_reader_raises_only_user_errors(tmp_path_factory, data: bytes) -> None:
    path: Path = tmp_path_factory.mktemp("jhu") / "time_series_covid19_confirmed_global.csv"
    path.write_bytes(data)
    try:
        wide = read_jhu_file(path)
    except UserError:
        return
    assert (wide.to_numpy() >= 0).all()
