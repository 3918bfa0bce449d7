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

Nothing is guessed silently. The text encoding is UTF-8 (with or without BOM), GB18030 only
when the bytes look like Chinese text, else Windows-1252/Latin-1 with a warning; the decimal
separator is read from the values (`1,5` with `;` columns is 1.5, `1,234.5` is 1234.5) and a
file whose numbers could be read either way (only `1,500`-like values) is refused unless
`decimal` says which. Each assumption is returned in `ImportResult.notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.sources.validate import DataValidationError, ValidationReport, validate_observations
from aidi.store.duckdb_store import Provenance, Store

YEAR_HEADER = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")
_ALIASES = {"iso": "iso3", "iso3 code": "iso3", "code": "iso3", "country code": "iso3",
            "country name": "country", "economy": "country", "国家": "country", "经济体": "country",
            "年份": "year", "年": "year", "指标": "series", "数值": "value", "值": "value",
            "单位": "unit", "来源": "source"}
_NA = {"", "..", "n/a", "na", "nan", "-", "—", "–", "#n/a", "none"}


@dataclass(frozen=True)
class ImportResult:
    vintage_id: str | None  # None: every value was already stored, no vintage added
    report: ValidationReport
    layout: str
    series: tuple[str, ...]
    notes: tuple[str, ...] = ()


def read_cells(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Every cell as text, header from row 1, with `row` = the spreadsheet row number.

    `frame.attrs` holds `delimiter` (CSV only) and `notes` (what was assumed, e.g. the
    encoding).
    """
    suffix = path.suffix.lower()
    notes: list[str] = []
    delimiter = None
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows, delimiter = _csv_rows(path, notes)
    else:
        raise DataValidationError(f"{path.name}: unsupported file type {suffix!r}; save it as "
                                  ".csv or .xlsx")
    if not rows:
        raise DataValidationError(f"{path.name}: the file is empty")
    header = [_cell(h) for h in rows[0][1]]
    if not any(header):
        raise DataValidationError(f"{path.name}: row 1 must be a header row")
    width = len(header)
    if delimiter is not None:  # a CSV: every row must have the header's cells
        check_widths(rows[1:], width, path.name)
    body = [(n, [_cell(c) for c in cells][:width] + [""] * (width - len(cells)))
            for n, cells in rows[1:] if any(_cell(c) for c in cells)]
    frame = pd.DataFrame([cells for _, cells in body], columns=header, dtype=object)
    frame = _checked_header(frame, header, path.name)
    frame["row"] = [n for n, _ in body]
    frame.attrs.update(delimiter=delimiter, notes=notes)
    return frame


def check_widths(rows, width: int, name: str) -> None:
    """Refuse a CSV whose rows do not have the header's number of cells: a row cut or padded
    to fit would store wrong numbers (`USA,2022,x,count,1,234` is 1,234 split in two).
    Extra cells that are empty (a trailing delimiter) and blank rows are fine."""
    bad = []
    for n, cells in rows:
        have = len(cells)
        while have > width and not _cell(cells[have - 1]):
            have -= 1
        if have != width and any(_cell(c) for c in cells):
            bad.append((n, len(cells)))
            if len(bad) == 5:
                break
    if bad:
        shown = "; ".join(f"row {n} has {k} cells" for n, k in bad)
        raise DataValidationError(
            f"{name}: {shown} — but the header (row 1) has {width}. A value holding the "
            "delimiter unquoted (a thousands separator such as 1,234, or a name with a "
            "comma), or a missing cell? Quote such values (\"1,234\"), or save the file with "
            "another delimiter; nothing was imported")


def _checked_header(frame: pd.DataFrame, header: list[str], name: str) -> pd.DataFrame:
    """Blank, repeated or reserved column names are refused (or dropped when empty)."""
    keep = [i for i, h in enumerate(header)
            if h or frame.iloc[:, i].astype(str).str.strip().ne("").any()]
    blank = [i + 1 for i in keep if not header[i]]
    if blank:
        raise DataValidationError(f"{name}: column(s) {blank} have values but no header in "
                                  "row 1; name them")
    frame = frame.iloc[:, keep]
    names = [header[i] for i in keep]
    seen: dict[str, int] = {}
    for h in names:
        key = _ALIASES.get(h.strip().lower(), h.strip().lower())
        seen[key] = seen.get(key, 0) + 1
    repeated = sorted(k for k, n in seen.items() if n > 1)
    if repeated:
        raise DataValidationError(f"{name}: column(s) {repeated} appear more than once in "
                                  "row 1; keep one of each")
    if "row" in seen:
        raise DataValidationError(f"{name}: a column may not be called 'row' (aidi uses it for "
                                  "row numbers); rename it")
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


def decode_text(data: bytes, name: str, notes: list[str]) -> str:
    """Bytes → text: UTF-8 (BOM or not); GB18030 only for Chinese-looking bytes; else
    Windows-1252 (or Latin-1) with a warning in `notes` — never a silent garble."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _looks_gb(data):
        try:
            text = data.decode("gb18030")
            notes.append(f"{name} is not UTF-8; read it as GB18030 (Chinese Windows encoding) — "
                         "save it as UTF-8 to be sure")
            return text
        except UnicodeDecodeError:
            pass
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        notes.append(f"warning: {name} is not UTF-8; assumed {label} — check accented names "
                     "(e.g. Côte d'Ivoire) in the result, or save the file as UTF-8")
        return text
    raise DataValidationError(f"{name}: cannot tell the text encoding; save it as UTF-8")


def _looks_gb(data: bytes) -> bool:
    """Chinese GB text pairs high bytes (both in 0xA1–0xFE for GB2312 characters); Latin-1
    text has single accented bytes between ASCII letters."""
    high = sum(1 for b in data if b >= 0x80)
    if not high:
        return False
    pairs = len(re.findall(rb"[\xa1-\xfe][\xa1-\xfe]", data))
    return 2 * pairs >= 0.9 * high


def _csv_rows(path: Path, notes: list[str]) -> tuple[list[tuple[int, list[object]]], str]:
    import csv

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read the file ({exc.strerror or exc})"
                                  ) from None
    if b"\x00" in data[:65536]:
        raise DataValidationError(f"{path.name}: contains NUL bytes — not a text CSV (UTF-16 "
                                  "or binary?); save it as CSV UTF-8")
    text = decode_text(data, path.name, notes)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = text.splitlines()
    try:
        rows = [(n, row) for n, row in enumerate(csv.reader(lines, dialect), start=1)]
    except csv.Error as exc:
        raise DataValidationError(f"{path.name}: not a readable CSV ({exc})") from None
    return rows, dialect.delimiter


_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(,\d{3})+$")
_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_NUMERIC = re.compile(r"^[-+]?[\d.,]*\d[\d.,]*(e[-+]?\d+)?$", re.IGNORECASE)


def _stripped(text: str) -> str:
    return text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")


def decimal_separator(values: pd.Series, name: str, rows: pd.Series | None = None,
                      delimiter: str | None = None, given: str | None = None
                      ) -> tuple[str, str | None]:
    """The decimal separator of a column of numbers as text ("." or ","), and a note saying
    what was assumed (None when there was nothing to decide).

    Evidence: `1,5` or `1.234,5` mean a decimal comma; `1.5` or `1,234.5` a decimal point.
    Values such as `1,500` alone could be either; they are read with a thousands comma unless
    the file uses `;` columns (the decimal-comma convention), where aidi refuses to guess.
    Both kinds of evidence in one file is refused: the numbers would be read inconsistently.
    """
    if given is not None:
        if given not in (".", ","):
            raise DataValidationError(f"decimal separator must be '.' or ',', got {given!r}")
        return given, None
    texts = [_stripped(t) for t in values.astype(str)]
    comma_rows, point_rows, ambiguous, ambiguous_dot = [], [], [], []
    for i, t in enumerate(texts):
        if not t or not _NUMERIC.match(t):
            continue
        has_c, has_p = "," in t, "." in t
        if has_c and has_p:
            (comma_rows if t.rfind(",") > t.rfind(".") else point_rows).append(i)
        elif has_c:
            (ambiguous if _THOUSANDS_COMMA.match(t) else comma_rows).append(i)
        elif has_p:
            (ambiguous_dot if _THOUSANDS_DOT.match(t) else point_rows).append(i)

    def where(idx: list[int]) -> str:
        shown = [texts[i] for i in idx[:3]]
        if rows is not None:
            nums = [str(rows.iloc[i]) for i in idx[:3]]
            return ", ".join(f"{v!r} (row {r})" for v, r in zip(shown, nums, strict=True))
        return ", ".join(repr(v) for v in shown)

    if comma_rows and point_rows:
        raise DataValidationError(
            f"{name}: mixed decimal separators — decimal commas such as {where(comma_rows)} "
            f"and decimal points such as {where(point_rows)}; use one convention (or pass "
            "--decimal , or --decimal .)")
    if comma_rows:
        return ",", (f"{name}: read numbers with a decimal comma (values such as "
                     f"{where(comma_rows)}); '.' is taken as a thousands separator")
    if ambiguous:
        if delimiter == ";":
            raise DataValidationError(
                f"{name}: values such as {where(ambiguous)} could mean thousands or decimals "
                "(the file uses ';' columns, the decimal-comma convention); pass --decimal , "
                "or --decimal . to say which")
        return ".", (f"{name}: read values such as {where(ambiguous)} with ',' as a thousands "
                     "separator (pass --decimal , if it is a decimal comma)")
    if ambiguous_dot and not point_rows and delimiter == ";":
        raise DataValidationError(
            f"{name}: values such as {where(ambiguous_dot)} could mean thousands or decimals "
            "(the file uses ';' columns, the decimal-comma convention); pass --decimal , "
            "or --decimal . to say which")
    return ".", None


def _number(text: str, decimal: str = ".") -> str:
    """'1,234.5' → '1234.5' ('1.234,5' with a decimal comma), '12 %' → '12'; NA markers → '';
    anything else unchanged."""
    t = text.strip()
    if t.lower() in _NA:
        return ""
    cleaned = _stripped(t)
    if decimal == ",":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        float(cleaned)
        return cleaned
    except ValueError:
        return t


def _prefixed(series: str, prefix: str) -> str:
    return series if not series or series.startswith(prefix) else prefix + series


def to_long(cells: pd.DataFrame, name: str, *, series: str | None, prefix: str,
            unit: str | None, decimal: str | None = None,
            notes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """The user's table in validation layout (country/iso3, year, series, value, unit, row);
    the decimal separator assumed is appended to `notes`."""
    notes = [] if notes is None else notes
    delimiter = cells.attrs.get("delimiter")
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
        sep, note = decimal_separator(out["value"], name, out["row"], delimiter, decimal)
        out["value"] = out["value"].map(lambda t: _number(t, sep))
        notes.extend([note] if note else [])
        layout = "long"
    else:
        out = _wide(cells, name, series=series, unit=unit, decimal=decimal, notes=notes)
        layout = "wide"
    out["series"] = out["series"].map(lambda s: _prefixed(str(s).strip(), prefix))
    return out, layout


def _wide(cells: pd.DataFrame, name: str, *, series: str | None, unit: str | None,
          decimal: str | None = None, notes: list[str] | None = None) -> pd.DataFrame:
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
    if country in ("column", "_cell"):
        raise DataValidationError(f"{name}: the first column may not be called {country!r} "
                                  "(aidi uses the name); call it country")
    long = cells.melt(id_vars=[country, "row"], value_vars=list(years), var_name="column",
                      value_name="_cell")
    sep, note = decimal_separator(long["_cell"], name, long["row"],
                                  cells.attrs.get("delimiter"), decimal)
    if note and notes is not None:
        notes.append(note)
    long["_cell"] = long["_cell"].map(lambda t: _number(t, sep))
    long = long[long["_cell"] != ""]
    return pd.DataFrame({"country": long[country], "year": long["column"].map(years),
                         "series": series, "value": long["_cell"], "unit": unit,
                         "row": long["row"], "column": long["column"]})


def check_input_file(path: Path) -> None:
    """Refuse, in words that say why, a path that is not a regular readable file."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataValidationError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise DataValidationError(f"{path} is a folder; give the CSV or XLSX file inside it")
    if not stat.S_ISREG(mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "a device or other special file"
        raise DataValidationError(f"{path} is {kind}, not a regular file; save the data to "
                                  "a .csv or .xlsx file and import that")


def import_file(store: Store, path: str | Path, *, series: str | None = None,
                series_prefix: str = "user.", unit: str | None = None,
                sheet: str | None = None, strict: bool = False,
                decimal: str | None = None) -> ImportResult:
    """Validate and store a user's file as one `import` vintage (see the module docstring).

    `decimal` ("." or ",") overrides the decimal separator read from the values.
    """
    path = Path(path)
    check_input_file(path)
    label = f"user import: {path.name}"
    cells = read_cells(path, sheet)
    notes: list[str] = list(cells.attrs.get("notes", []))
    long, layout = to_long(cells, path.name, series=series, prefix=series_prefix, unit=unit,
                           decimal=decimal, notes=notes)
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
    return ImportResult(vid, report, layout, tuple(sorted(accepted["series"].unique())),
                        tuple(notes))
