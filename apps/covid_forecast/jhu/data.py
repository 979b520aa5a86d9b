"""Step 1 of 6, prepare the data: the JHU CSSE global time series, read in their own layout.

    refapps covid_forecast forecast --country "South Korea"    # reads REFAPPS_DATA/covid/jhu

One row per country or province, `Province/State, Country/Region, Lat, Long`, then one
column per day (`M/D/YY`) of cumulative counts. Provinces are summed per country (or one is
picked with `--province`); common names and ISO codes resolve to JHU's names ("South
Korea", "KOR" -> "Korea, South"). A repeated row or date column, or a cell that is not a
number, is refused with its row or column named. Downward corrections: a cumulative count
that later falls is lowered to that later value (a backward running minimum), so the last
total is kept and no day has a negative count. A series that stops growing for
`STOPPED_DAYS` days at the end (recovered counts no longer reported) is left out with a note.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from common.data import data_root
from common.errors import UserError

JHU_FILES = {  # series name -> file in a JHU CSSE csse_covid_19_time_series folder
    "confirmed_num": "time_series_covid19_confirmed_global.csv",
    "cured_num": "time_series_covid19_recovered_global.csv",
    "dead_num": "time_series_covid19_deaths_global.csv",
}
KEY_COLUMNS = ["Province/State", "Country/Region", "Lat", "Long"]
STOPPED_DAYS = 28  # no growth for four weeks at the end: the series stopped being reported
MAX_BYTES = 200_000_000
SERIES = "confirmed_num"  # what the global model forecasts
ALIASES = {  # common names and ISO 3166 codes whose JHU spelling differs
    "south korea": "Korea, South", "korea": "Korea, South", "kor": "Korea, South",
    "kr": "Korea, South", "north korea": "Korea, North", "prk": "Korea, North",
    "usa": "US", "united states": "US", "united states of america": "US", "america": "US",
    "uk": "United Kingdom", "great britain": "United Kingdom", "gbr": "United Kingdom",
    "gb": "United Kingdom", "britain": "United Kingdom", "england": "United Kingdom",
    "taiwan": "Taiwan*", "twn": "Taiwan*", "myanmar": "Burma", "mmr": "Burma",
    "czech republic": "Czechia", "ivory coast": "Cote d'Ivoire", "vatican": "Holy See",
    "drc": "Congo (Kinshasa)", "cod": "Congo (Kinshasa)", "cog": "Congo (Brazzaville)",
    "palestine": "West Bank and Gaza", "pse": "West Bank and Gaza", "cape verde": "Cabo Verde",
}  # fmt: skip


def jhu_dir_default() -> Path:
    return data_root() / "covid" / "jhu"


def read_jhu_file(path: Path) -> pd.DataFrame:
    """One JHU wide file -> rows (country, province), DatetimeIndex columns, cumulative floats."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"JHU file not found: {path} (from CSSEGISandData/COVID-19).")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"{path} is larger than {MAX_BYTES // 1_000_000} MB; not a JHU file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text)), [])
        wide = pd.read_csv(io.StringIO(text), dtype=dict.fromkeys(KEY_COLUMNS[:2], str))
    except pd.errors.EmptyDataError as err:
        raise UserError(f"{path} is empty; expected a JHU time-series CSV.") from err
    except (UnicodeError, ValueError, csv.Error, pd.errors.ParserError) as err:
        raise UserError(f"{path} is not a readable CSV file ({type(err).__name__}).") from err
    repeated = [name for name, count in Counter(header[4:]).items() if count > 1]
    if repeated:  # pandas would rename the second one '5/1/20.1'
        raise UserError(f"{path}: the date column {repeated[0]!r} appears more than once.")
    return _parse_wide(wide, path)


def _parse_wide(wide: pd.DataFrame, path: Path) -> pd.DataFrame:
    if list(wide.columns[:4]) != KEY_COLUMNS or len(wide.columns) < 6 or wide.empty:
        raise UserError(
            f"{path} is not a JHU time-series file: expected the columns "
            f"{', '.join(KEY_COLUMNS)} then one column per day, and at least one row."
        )
    dates = pd.to_datetime(pd.Series(wide.columns[4:]), format="%m/%d/%y", errors="coerce")
    if dates.isna().any():
        bad = wide.columns[4:][int(np.flatnonzero(dates.isna())[0])]
        raise UserError(f"{path}: column {bad!r} is not a date like 1/22/20.")
    behind = np.flatnonzero(np.diff(dates.to_numpy()) <= np.timedelta64(0))
    if len(behind):
        later, earlier = wide.columns[5 + behind[0]], wide.columns[4 + behind[0]]
        raise UserError(
            f"{path}: the date column {later!r} repeats or goes back after {earlier!r}."
        )
    country = wide["Country/Region"].fillna("").astype(str).str.strip()
    province = wide["Province/State"].fillna("").astype(str).str.strip()
    index = pd.MultiIndex.from_arrays([country, province], names=["country", "province"])
    if index.has_duplicates:  # summing it would count its cases twice
        name, where = index[index.duplicated()][0]
        raise UserError(f"{path}: the row {name}{f' ({where})' if where else ''} appears twice.")
    values = _counts(wide, index, path)
    values = pd.DataFrame(values).ffill(axis=1).fillna(0.0).to_numpy()  # a blank day: unchanged
    return pd.DataFrame(values, index=index, columns=pd.DatetimeIndex(dates, name="date"))


def _counts(wide: pd.DataFrame, index: pd.MultiIndex, path: Path) -> np.ndarray:
    """The day columns as floats (NaN where blank); a cell that is not a count is an error."""
    cells = wide.iloc[:, 4:]
    values = cells.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.fillna(0.0)) | (values < 0)
    for column in cells.columns[~cells.apply(pd.api.types.is_numeric_dtype)]:  # text in it
        text = cells[column].astype(str).str.strip()
        bad[column] |= values[column].isna() & cells[column].notna() & (text != "")
    if bad.to_numpy().any():
        row, column = (int(hits[0]) for hits in np.nonzero(bad.to_numpy()))
        name, province = index[row]
        raise UserError(
            f"{path}: {name}{f' ({province})' if province else ''} on {cells.columns[column]!r} "
            f"is {cells.iat[row, column]!r}, not a count (a finite number, not negative)."
        )
    return values.to_numpy(dtype=float)


def resolve_country(query: str, known: list[str]) -> str:
    """A JHU country name for `query`: exact (any case), alias, ISO code, else a hint."""
    text = query.strip()
    by_lower = {name.lower(): name for name in known}
    for candidate in (text.lower(), ALIASES.get(text.lower(), "").lower()):
        if candidate in by_lower:
            return by_lower[candidate]
    iso_name = _pycountry_name(text)
    if iso_name and iso_name.lower() in by_lower:
        return by_lower[iso_name.lower()]
    guesses = [iso_name or "", ALIASES.get(text.lower(), ""), text]
    close = {m for g in guesses if g for m in difflib.get_close_matches(g, known, n=3, cutoff=0.6)}
    hint = f" Did you mean {', '.join(sorted(close))}?" if close else ""
    raise UserError(
        f"No country {query!r} in the JHU data.{hint} "
        "JHU names look like 'Korea, South', 'US', 'United Kingdom'; ISO codes work too."
    )


def _pycountry_name(text: str) -> str | None:
    import pycountry

    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def correct_downward(cumulative: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Backward running minimum: a count later corrected down is lowered to the correction.

    The last total is kept, every daily count is >= 0, and the correction is taken off the
    most recent days first. It only uses days up to the end of what it is given, so a
    backtest that cuts the history before calling it never sees a later correction.
    """
    return cumulative.iloc[::-1].cummin().iloc[::-1]


def is_stopped(cumulative: pd.Series, days: int = STOPPED_DAYS) -> bool:
    """True when a series grew before but not at all over its last `days` days."""
    values = cumulative.to_numpy(dtype=float)
    if len(values) <= days or values[-1] <= 0:
        return len(values) > days and values[-1] <= 0
    return bool(values[-1] == values[-days - 1])


@dataclass
class JhuSeries:
    cumulative: pd.DataFrame  # dates x series (confirmed_num, dead_num, cured_num if reported)
    country: str
    province: str | None
    notes: list[str] = field(default_factory=list)


def read_country(jhu_dir: Path, country: str, province: str | None = None) -> JhuSeries:
    """One country's (or province's) corrected cumulative counts from the JHU files."""
    jhu_dir = Path(jhu_dir).expanduser().resolve()
    frames, notes, name = {}, [], country
    for series, file_name in JHU_FILES.items():
        path = jhu_dir / file_name
        if series == "cured_num" and not path.is_file():
            notes.append(f"{file_name} not found: recovered counts left out.")
            continue
        wide = read_jhu_file(path)
        name = resolve_country(country, sorted(set(wide.index.get_level_values(0))))
        rows = wide.loc[name]
        if province is not None:
            found = _find_province(province, list(rows.index))
            if found is None and series == "cured_num":  # Canada reports recovered as one row
                notes.append(f"{file_name} has no province {province!r}: recovered left out.")
                continue
            rows = rows.loc[[found or _province_error(province, name, list(rows.index))]]
        frames[series] = correct_downward(rows.sum(axis=0))
    cumulative = pd.DataFrame(frames)
    cumulative = cumulative[[c for c in JHU_FILES if c in cumulative]]
    for series in list(cumulative.columns[1:]):
        if is_stopped(cumulative[series]):
            notes.append(f"{series} stops growing {STOPPED_DAYS} days before the end: left out.")
            cumulative = cumulative.drop(columns=series)
    return JhuSeries(cumulative, name, province, notes)


def _find_province(query: str, provinces: list[str]) -> str | None:
    by_lower = {p.lower(): p for p in provinces if p}
    return by_lower.get(query.strip().lower())


def _province_error(query: str, country: str, provinces: list[str]) -> str:
    named = sorted(p for p in provinces if p)
    close = difflib.get_close_matches(query, named, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    listed = ", ".join(named[:12]) or "none (the country is one row; leave out --province)"
    raise UserError(f"No province {query!r} of {country} in the JHU data.{hint} Known: {listed}.")


def country_matrix(
    jhu_dir: Path, series: str = "confirmed_num", corrected: bool = True
) -> pd.DataFrame:
    """Dates x countries of cumulative counts (provinces summed) for one series.

    A backtest asks for `corrected=False` and corrects each origin's history itself.
    """
    wide = read_jhu_file(Path(jhu_dir).expanduser().resolve() / JHU_FILES[series])
    totals = wide.groupby(level="country").sum().T  # (dates, countries)
    return correct_downward(totals) if corrected else totals


def top_countries(matrix: pd.DataFrame, num_countries: int) -> list[str]:
    """The countries with the most cumulative cases on the last day of `matrix`."""
    return list(matrix.iloc[-1].sort_values(ascending=False).index[:num_countries])


def daily_from_cumulative(cumulative: pd.DataFrame) -> pd.DataFrame:
    """Corrected cumulative counts -> daily new counts (>= 0), first day dropped."""
    return correct_downward(cumulative).diff().iloc[1:].clip(lower=0)


def country_daily(
    jhu_dir: Path, country: str, province: str | None = None
) -> tuple[pd.Series, JhuSeries]:
    """(daily new confirmed of one country, its JhuSeries with the resolved name and notes)."""
    found = read_country(jhu_dir, country, province)
    daily = found.cumulative[SERIES].diff().iloc[1:].clip(lower=0)
    return daily, found
