from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.covid_forecast.jhu.data import (
    correct_downward,
    is_stopped,
    read_country,
    read_jhu_file,
    resolve_country,
)
from common.errors import UserError

from ..conftest import write_jhu

KNOWN = ["Italy", "Korea, South", "US", "United Kingdom", "Canada"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("South Korea", "Korea, South"),
        ("KOR", "Korea, South"),
        ("kr", "Korea, South"),
        ("USA", "US"),
        ("UK", "United Kingdom"),
        ("GBR", "United Kingdom"),
        ("italy", "Italy"),
        ("ITA", "Italy"),
        ("Canada ", "Canada"),
    ],
)
def test_aliases_and_iso_codes_resolve_to_jhu_names(query: str, name: str) -> None:
    assert resolve_country(query, KNOWN) == name


def test_unknown_country_hint_lists_close_matches() -> None:
    with pytest.raises(UserError, match="Did you mean Italy"):
        resolve_country("Itally", KNOWN)
    with pytest.raises(UserError, match="Korea, South"):
        resolve_country("Korea South", KNOWN)


def jhu_with_provinces(tmp_path: Path) -> Path:
    confirmed = [("", "Italy", 1, 2, 4), ("A", "Xland", 5, 6, 7), ("B", "Xland", 1, 1, 2)]
    deaths = [("", "Italy", 0, 0, 1), ("A", "Xland", 0, 1, 1), ("B", "Xland", 0, 0, 0)]
    return write_jhu(tmp_path / "jhu", {"confirmed": confirmed, "deaths": deaths})


def test_provinces_are_summed_or_picked(tmp_path: Path) -> None:
    folder = jhu_with_provinces(tmp_path)
    summed = read_country(folder, "xland")
    assert list(summed.cumulative.columns) == ["confirmed_num", "dead_num"]
    assert summed.cumulative["confirmed_num"].tolist() == [6, 7, 9]
    assert str(summed.cumulative.index[0].date()) == "2020-01-22"
    assert any("recovered" in note for note in summed.notes)  # no recovered file here
    one = read_country(folder, "Xland", province="b")
    assert one.cumulative["confirmed_num"].tolist() == [1, 1, 2]
    with pytest.raises(UserError, match="Did you mean A"):
        read_country(folder, "Xland", province="AA")


def test_downward_correction_keeps_the_total_and_no_negative_day() -> None:
    reported = pd.Series([1.0, 5.0, 9.0, 7.0, 8.0, 12.0])
    corrected = correct_downward(reported)
    assert corrected.tolist() == [1, 5, 7, 7, 8, 12]
    assert corrected.iloc[-1] == reported.iloc[-1]  # the last total is kept
    assert (corrected.diff().dropna() >= 0).all()


def test_correction_in_a_country_read(tmp_path: Path) -> None:
    rows = {"confirmed": [("", "Italy", 1, 5, 9, 7, 8)], "deaths": [("", "Italy", 0, 0, 1, 1, 1)]}
    folder = write_jhu(tmp_path / "jhu", rows)
    cumulative = read_country(folder, "Italy").cumulative["confirmed_num"]
    assert cumulative.tolist() == [1, 5, 7, 7, 8]


def test_stopped_series_is_left_out_with_a_note(tmp_path: Path) -> None:
    days = 60
    growing = list(range(10, 10 + 5 * days, 5))
    stopped = [min(v, 100) for v in growing]  # flat for the last ~40 days
    rows = {
        "confirmed": [("", "Italy", *growing)],
        "deaths": [("", "Italy", *[v // 10 for v in growing])],
        "recovered": [("", "Italy", *stopped)],
    }
    found = read_country(write_jhu(tmp_path / "jhu", rows), "Italy")
    assert list(found.cumulative.columns) == ["confirmed_num", "dead_num"]
    assert any("cured_num stops growing" in note for note in found.notes)
    assert is_stopped(pd.Series(stopped))
    assert not is_stopped(pd.Series(growing))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is empty"),
        ("a,b\n1,2\n", "not a JHU time-series file"),
        ("Province/State,Country/Region,Lat,Long,1/22/20,xx\n,Italy,0,0,1,2\n", "'xx'"),
        ("Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,Italy,0,0,1,-2\n", "negative"),
        ("Province/State,Country/Region,Lat,Long,1/22/20,1/21/20\n,Italy,0,0,1,2\n", "goes back"),
    ],
)
def test_bad_jhu_files_get_one_clear_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "file.csv"
    path.write_text(text)
    with pytest.raises(UserError, match=fragment):
        read_jhu_file(path)


def test_blank_day_keeps_the_previous_count(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_text(
        "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20,1/24/20\n,It,0,0,1,,3\n"
    )
    assert np.array_equal(read_jhu_file(path).to_numpy()[0], [1, 1, 3])


HEADER = "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20,1/24/20\n"


def test_a_repeated_country_row_is_refused_not_summed(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_text(HEADER + ",Italy,0,0,1,2,3\nA,Xland,0,0,1,1,1\n,Italy,0,0,1,2,3\n")
    with pytest.raises(UserError, match=r"the row Italy appears twice"):
        read_jhu_file(path)
    path.write_text(HEADER + "A,Xland,0,0,1,1,1\nB,Xland,0,0,1,1,1\nA,Xland,0,0,2,2,2\n")
    with pytest.raises(UserError, match=r"the row Xland \(A\) appears twice"):
        read_jhu_file(path)


@pytest.mark.parametrize("cell", ["abc", "12 cases", "1,5"])
def test_a_text_cell_is_an_error_naming_the_cell(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "file.csv"
    path.write_text(HEADER + f',Italy,0,0,1,"{cell}",3\n,Spain,0,0,1,2,3\n')
    with pytest.raises(UserError, match="Italy on '1/23/20'") as caught:
        read_jhu_file(path)
    assert repr(cell) in str(caught.value)


def test_a_repeated_date_column_is_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_text(HEADER.replace("1/24/20", "1/23/20") + ",Italy,0,0,1,2,3\n")
    with pytest.raises(UserError, match="date column '1/23/20' appears more than once") as caught:
        read_jhu_file(path)
    assert ".1" not in str(caught.value)
