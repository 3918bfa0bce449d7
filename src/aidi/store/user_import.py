"""`aidi data import`: a user's own series from a CSV or Excel file into the store.

Two layouts, recognised from the header row:

- long: columns `iso3` or `country`, `year`, `series`, `value`, `unit` (optional `source`);
  `--series` may replace the `series` column and `--unit` fill the `unit` column;
- wide: one series, countries down the first column and years across the header
  (`country, 2019, 2020, …`) — needs `--series` and `--unit`; empty cells are missing values.

Series ids get the prefix (default `user.`) unless they already start with it, so a user's
series never silently replaces a publisher's. Errors give the row number the user sees in a
spreadsheet (header = row 1) and, for wide files, the year column. The rows are validated
like any other input and stored as one vintage of kind `import`, so `series: user.my_series`
works in a custom spec with any edition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.store.duckdb_store import Provenance, Store
from aidi.store.validate import DataValidationError, ValidationReport, validate_observations

YEAR_HEADER = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")
_ALIASES = {"iso": "iso3", "iso3 code": "iso3", "code": "iso3", "country code": "iso3",
            "country name": "country", "economy": "country", "国家": "country", "经济体": "country",
            "年份": "year", "年": "year", "指标": "series", "数值": "value", "值": "value",
            "单位": "unit", "来源": "source"}
_NA = {"", "..", "n/a", "na", "nan", "-", "—", "–", "#n/a", "none"}


@dataclass(frozen=True)
class ImportResult:
    vintage_id: str
    report: ValidationReport
    layout: str
    series: tuple[str, ...]


def read_cells(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Every cell as text, header from row 1, with `row` = the spreadsheet row number."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise DataValidationError(f"{path.name}: unsupported file type {suffix!r}; save it as "
                                  ".csv or .xlsx")
    if not rows:
        raise DataValidationError(f"{path.name}: the file is empty")
    header = [_cell(h) for h in rows[0][1]]
    if not any(header):
        raise DataValidationError(f"{path.name}: row 1 must be a header row")
    width = len(header)
    body = [(n, [_cell(c) for c in cells][:width] + [""] * (width - len(cells)))
            for n, cells in rows[1:] if any(_cell(c) for c in cells)]
    frame = pd.DataFrame([cells for _, cells in body], columns=header, dtype=object)
    frame["row"] = [n for n, _ in body]
    return frame


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(path: Path, sheet: str | None) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise DataValidationError(f"{path.name}: cannot open the workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataValidationError(f"{path.name}: no sheet {sheet!r}; sheets: "
                                      f"{book.sheetnames}")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [(n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _csv_rows(path: Path) -> list[tuple[int, list[object]]]:
    import csv

    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030", "latin-1"):  # Excel in China saves GBK CSVs
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = text.splitlines()
    return [(n, row) for n, row in enumerate(csv.reader(lines, dialect), start=1)]


def _number(text: str) -> str:
    """'1,234.5' → '1234.5', '12 %' → '12'; NA markers → ''; anything else unchanged."""
    t = text.strip()
    if t.lower() in _NA:
        return ""
    cleaned = t.replace(",", "").replace("\u00a0", "").replace(" ", "").removesuffix("%")
    try:
        float(cleaned)
        return cleaned
    except ValueError:
        return t


def _prefixed(series: str, prefix: str) -> str:
    return series if not series or series.startswith(prefix) else prefix + series


def to_long(cells: pd.DataFrame, name: str, *, series: str | None, prefix: str,
            unit: str | None) -> tuple[pd.DataFrame, str]:
    """The user's table in validation layout (country/iso3, year, series, value, unit, row)."""
    cols = {c: _ALIASES.get(c.strip().lower(), c.strip().lower()) for c in cells.columns
            if c != "row"}
    renamed = cells.rename(columns=cols)
    have = set(cols.values())
    if {"year", "value"} <= have and ("iso3" in have or "country" in have):
        out = renamed.copy()
        if series:
            out["series"] = series
        elif "series" not in have:
            raise DataValidationError(f"{name}: no `series` column — add one or pass --series")
        if "unit" not in have:
            if not unit:
                raise DataValidationError(f"{name}: no `unit` column — add one or pass --unit")
            out["unit"] = unit
        elif unit:
            out["unit"] = out["unit"].where(out["unit"] != "", unit)
        out["value"] = out["value"].map(_number)
        layout = "long"
    else:
        out = _wide(cells, name, series=series, unit=unit)
        layout = "wide"
    out["series"] = out["series"].map(lambda s: _prefixed(str(s).strip(), prefix))
    return out, layout


def _wide(cells: pd.DataFrame, name: str, *, series: str | None, unit: str | None
          ) -> pd.DataFrame:
    header = [c for c in cells.columns if c != "row"]
    years = {c: int(m.group(1)) for c in header[1:] if (m := YEAR_HEADER.match(c))}
    if not years:
        raise DataValidationError(
            f"{name}: cannot tell the layout. Use long columns iso3 (or country), year, series, "
            "value, unit — or wide: countries in the first column and years (2019, 2020, …) "
            "across row 1")
    if not series or not unit:
        raise DataValidationError(f"{name}: a wide (country × year) file holds one series — "
                                  "pass --series NAME and --unit UNIT")
    country = header[0]
    long = cells.melt(id_vars=[country, "row"], value_vars=list(years), var_name="column",
                      value_name="value")
    long["value"] = long["value"].map(_number)
    long = long[long["value"] != ""]
    return pd.DataFrame({"country": long[country], "year": long["column"].map(years),
                         "series": series, "value": long["value"], "unit": unit,
                         "row": long["row"], "column": long["column"]})


def import_file(store: Store, path: str | Path, *, series: str | None = None,
                series_prefix: str = "user.", unit: str | None = None,
                sheet: str | None = None, strict: bool = False) -> ImportResult:
    """Validate and store a user's file as one `import` vintage (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file")
    label = f"user import: {path.name}"
    long, layout = to_long(read_cells(path, sheet), path.name, series=series,
                           prefix=series_prefix, unit=unit)
    if "source" in long.columns:
        long["source"] = long["source"].where(long["source"].astype(str) != "", label)
    else:
        long["source"] = label
    long["file"] = str(path.resolve())
    report = validate_observations(long, path.name, known_units=store.series_units(),
                                   strict=strict)
    accepted = report.accepted
    vid = store.add_vintage(accepted, Provenance(kind="import", label=label, publisher="user",
                                                 dataset=path.name, url=str(path.resolve()),
                                                 sources=path.name))
    return ImportResult(vid, report, layout, tuple(sorted(accepted["series"].unique())))
