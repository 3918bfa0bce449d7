"""Any published CSV or Excel file by URL: OWID grapher charts, Epoch AI downloads, AI Index
public data, a statistics office's spreadsheet.

Two shapes, declared per series in `sources.yaml`:

- country-year tables (OWID grapher: `Entity,Code,Year,<value columns>`): one value column per
  series, found by fnmatch patterns (`columns: ["*Field: All", "All"]`), because publishers
  rename display columns more often than they change the data;
- record lists (Epoch: one row per AI model, with a date and a country cell that may list
  several countries): `aggregate: count|sum` per country and year, each record counted once per
  distinct country (`split` separates them), optionally zero-filled (`zero_fill`) over every
  country in the file and the 20 target economies — in a census-style database, absence means
  zero — exactly as the snapshot's reader does, so the series keeps its meaning.

Rows with a blank country cell are regions or world totals by OWID's convention and are
skipped; the file's line number (header = line 1) is kept for validation messages.
"""

from __future__ import annotations

import fnmatch
import io
from typing import Any

import pandas as pd
import requests

from aidi.countries import TARGET_20, to_iso3
from aidi.sources.connectors.base import Connector, ParseError, Payload, rows_frame, year_window
from aidi.sources.connectors.config import SeriesMap, SourceConfig

FILE = "file"


def fetch(source: SourceConfig, session: requests.Session) -> Payload:
    response = session.get(source.url, timeout=source.timeout,
                           headers={"User-Agent": "aidi data refresh (+https://pypi.org/)"})
    response.raise_for_status()
    return Payload(source.name, {FILE: response.content}, {FILE: source.url})


def read_table(content: bytes, source: SourceConfig) -> pd.DataFrame:
    """The file as text cells, with `_line` = the line/row number a person would see."""
    try:
        if source.format == "xlsx":
            table = pd.read_excel(io.BytesIO(content), sheet_name=source.sheet or 0, dtype=str)
        else:
            table = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False,
                                encoding="utf-8-sig", low_memory=False)
    except Exception as exc:  # pandas raises many types for malformed files
        raise ParseError(f"{source.url}: cannot read the {source.format} file: {exc}") from None
    table["_line"] = table.index + 2
    return table


def _pick(columns: list[str], patterns: tuple[str, ...], what: str, where: str) -> str:
    for pattern in patterns:
        hits = [c for c in columns if fnmatch.fnmatchcase(c, pattern)]
        if len(hits) == 1:
            return hits[0]
    raise ParseError(f"{where}: no single {what} column matches {list(patterns)}; the file has "
                     f"{columns}")


def _value_rows(table: pd.DataFrame, country: str, year: pd.Series, s: SeriesMap, url: str,
                where: str) -> list[dict[str, Any]]:
    column = _pick(list(table.columns), s.columns or (s.code,), f"value ({s.id})", where)
    keep = (table[country].str.strip() != "") & (table[column].str.strip() != "")
    return [{"country": c, "year": y, "series": s.id, "value": _scaled(v, s.scale), "unit": s.unit,
             "file": url, "row": line, "series_code": column}
            for c, y, v, line in zip(table.loc[keep, country], year[keep], table.loc[keep, column],
                                     table.loc[keep, "_line"], strict=True)]


def _scaled(text: str, scale: float) -> float | str:
    try:
        return float(text) * scale
    except ValueError:
        return text  # left for validation to report with its line number


def _record_rows(table: pd.DataFrame, country: str, year: pd.Series, s: SeriesMap,
                 source: SourceConfig, span: tuple[int, int], url: str) -> list[dict[str, Any]]:
    data = table.assign(_year=year)
    for column, needle in s.filter.items():
        data = data[data[column].fillna("").str.contains(needle, regex=False)]
    cells = data[country].fillna("")
    parts = cells.str.split(source.split) if source.split else cells.map(lambda c: [c])
    iso = parts.map(lambda xs: list(dict.fromkeys(i for x in xs if (i := to_iso3(x.strip())))))
    long = pd.DataFrame({"iso3": iso, "year": pd.to_numeric(data["_year"], errors="coerce")})
    if s.aggregate == "sum":
        long["value"] = pd.to_numeric(data[_pick(list(table.columns), s.columns or (s.code,),
                                                 "value", url)], errors="coerce")
    long = long.explode("iso3").dropna(subset=["iso3", "year"])
    universe = set(long["iso3"]) | set(TARGET_20)
    first, last = span[0], min(span[1], int(long["year"].max()) if len(long) else span[1])
    long = long[long["year"].between(first, last)]
    grouped = long.groupby(["iso3", "year"])
    values = grouped.size() if s.aggregate == "count" else grouped["value"].sum()
    if source.zero_fill:
        index = pd.MultiIndex.from_product([sorted(universe), range(first, last + 1)],
                                           names=["iso3", "year"])
        values = values.reindex(index, fill_value=0)
    return [{"country": i, "year": int(y), "series": s.id, "value": float(v) * s.scale,
             "unit": s.unit, "file": url, "row": None, "series_code": s.code}
            for (i, y), v in values.items()]


def parse(payload: Payload, source: SourceConfig) -> pd.DataFrame:
    if FILE not in payload.responses:
        raise ParseError(f"no file in the {source.name} payload")
    url = payload.urls.get(FILE, source.url)
    table = read_table(payload.responses[FILE], source)
    columns = [c for c in table.columns if c != "_line"]
    country = _pick(columns, source.country_column, "country", url)
    if source.date_column:
        date_col = _pick(columns, (source.date_column,), "date", url)
        year = pd.to_datetime(table[date_col], errors="coerce", format="mixed").dt.year
    else:
        year = table[_pick(columns, (source.year_column,), "year", url)]
    span = year_window(source, payload.retrieved_at)
    records: list[dict[str, Any]] = []
    for s in source.series:
        if s.aggregate == "none":
            rows = _value_rows(table, country, year, s, url, url)
            records += [r for r in rows if not str(r["year"]).strip().isdigit()
                        or span[0] <= int(r["year"]) <= span[1]]
        else:
            records += _record_rows(table, country, year, s, source, span, url)
    return rows_frame(records, payload, source)


CONNECTOR = Connector(fetch, parse)
