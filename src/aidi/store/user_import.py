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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.sources.validate import (
    DataValidationError,
    ValidationReport,
    per_value,
    validate_observations,
)
from aidi.store.csv_stream import decode_text, open_csv
from aidi.store.duckdb_store import Provenance, Store

__all__ = ["CellSource", "DecimalRule", "ImportResult", "decimal_separator", "decode_text",
           "import_file", "iter_cells", "read_cells", "to_long"]

#: Rows read, validated and staged at a time: the memory an import needs is this chunk's.
CHUNK_ROWS = 100_000
#: Rows of the accepted data kept in `ImportResult.report.accepted` (the store has them all).
PREVIEW_ROWS = 100_000
IMPORT_PHASE = "reading the file"
Progress = Callable[..., None]

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
    encoding). The whole file at once: `iter_cells` reads it chunk by chunk.
    """
    source = iter_cells(Path(path), sheet)
    frames = list(source.chunks)
    frame = pd.concat(frames, ignore_index=True) if frames else source.empty()
    frame.attrs.update(delimiter=source.delimiter, notes=list(source.notes))
    return frame


@dataclass
class CellSource:
    """A user's file opened for reading: header, what was assumed, and the body as chunks of
    cell frames (text, `row` = spreadsheet row number)."""

    name: str
    header: list[str]
    delimiter: str | None
    notes: list[str]
    chunks: Iterator[pd.DataFrame]

    def empty(self) -> pd.DataFrame:
        frame = pd.DataFrame(columns=self.header, dtype=object)
        frame = _checked_header(frame, self.header, self.name)
        frame["row"] = pd.Series(dtype="int64")
        return frame


def iter_cells(path: Path, sheet: str | None = None, rows: int = CHUNK_ROWS,
               progress: Progress | None = None) -> CellSource:
    """`path` opened as a `CellSource`: a CSV is streamed (`aidi.store.csv_stream`: its
    encoding, delimiter and ragged rows are checked first), a workbook read row by row.
    `progress(phase, bytes_read, total_bytes)` follows a CSV's reading."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header_row, body, delimiter, notes = _xlsx_source(path, sheet, rows)
    elif suffix in (".csv", ".tsv", ".txt"):
        src = open_csv(path)
        header_row, delimiter, notes = src.header, src.delimiter, src.notes
        tick = (lambda done, total: progress(IMPORT_PHASE, done, total)) if progress else None
        body = src.chunks(rows, tick)
    else:
        raise DataValidationError(f"{path.name}: unsupported file type {suffix!r}; save it as "
                                  ".csv or .xlsx")
    if header_row is None:
        raise DataValidationError(f"{path.name}: the file is empty")
    header = [_cell(h) for h in header_row]
    if not any(header):
        raise DataValidationError(f"{path.name}: row 1 must be a header row")

    def frames() -> Iterator[pd.DataFrame]:
        width = len(header)
        for chunk in body:
            if delimiter is None:  # a workbook: numbers, dates, None
                cells = [[_cell(c) for c in row][:width] + [""] * (width - len(row))
                         for _, row in chunk]
            else:  # a CSV's cells are text, its rows checked to the header's width
                cells = [row if len(row) == width else row[:width] for _, row in chunk]
            frame = pd.DataFrame(cells, columns=range(width), dtype=object)
            if delimiter is not None:
                for col in frame.columns:
                    frame[col] = per_value(frame[col], str.strip)
            frame.columns = header
            keep = (frame != "").any(axis=1).to_numpy()
            frame = _checked_header(frame[keep].reset_index(drop=True), header, path.name)
            frame["row"] = [n for (n, _), k in zip(chunk, keep, strict=True) if k]
            frame.attrs.update(delimiter=delimiter)
            yield frame

    return CellSource(path.name, header, delimiter, notes, frames())


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


def _xlsx_source(path: Path, sheet: str | None, rows: int):
    """(header row, body chunks, None, notes) of a workbook's sheet, read row by row."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise DataValidationError(f"{path.name}: cannot open the workbook: {exc}") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise DataValidationError(f"{path.name}: no sheet {sheet!r}; sheets: "
                                  f"{book.sheetnames}")
    it = (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
    header = next(it, None)

    def body() -> Iterator[list[tuple[int, list[object]]]]:
        try:
            chunk: list[tuple[int, list[object]]] = []
            for n, row in enumerate(it, start=2):
                if any(_cell(c) for c in row):
                    chunk.append((n, list(row)))
                if len(chunk) >= rows:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
        finally:
            book.close()

    return (list(header) if header is not None else None), body(), None, []


_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(,\d{3})+$")
_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_NUMERIC = re.compile(r"^[-+]?[\d.,]*\d[\d.,]*(e[-+]?\d+)?$", re.IGNORECASE)


def _stripped(text: str) -> str:
    return text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")


@dataclass
class _Evidence:
    """What a column of numbers as text says about its decimal separator (row positions)."""

    texts: list[str]
    rows: pd.Series | None
    comma: list[int] = field(default_factory=list)      # 1,5  1.234,5
    point: list[int] = field(default_factory=list)      # 1.5  1,234.5
    ambiguous: list[int] = field(default_factory=list)  # 1,500
    ambiguous_dot: list[int] = field(default_factory=list)  # 1.500

    def where(self, idx: list[int]) -> str:
        shown = [self.texts[i] for i in idx[:3]]
        if self.rows is not None:
            nums = [str(self.rows.iloc[i]) for i in idx[:3]]
            return ", ".join(f"{v!r} (row {r})" for v, r in zip(shown, nums, strict=True))
        return ", ".join(repr(v) for v in shown)


def _evidence(values: pd.Series, rows: pd.Series | None, full: bool = False) -> _Evidence:
    """`full=False`: when no value has a comma (the common case) only points remain to be
    seen, and the first few decide — a long column is not classified value by value."""
    values = values.astype(str)
    if not full and not values.str.contains(",", regex=False).any():
        dots = np.flatnonzero(values.str.contains(".", regex=False).to_numpy())
        sub = rows.iloc[dots] if rows is not None else None
        ev = _Evidence([], sub)
        for i, k in enumerate(dots):
            ev.texts.append(_stripped(values.iloc[k]))
            _classify(ev, i)
            if len(ev.point) > 3:
                break
        return ev
    ev = _Evidence([_stripped(t) for t in values], rows)
    for i in range(len(ev.texts)):
        _classify(ev, i)
    return ev


def _classify(ev: _Evidence, i: int) -> None:
    t = ev.texts[i]
    if not t or not _NUMERIC.match(t):
        return
    has_c, has_p = "," in t, "." in t
    if has_c and has_p:
        (ev.comma if t.rfind(",") > t.rfind(".") else ev.point).append(i)
    elif has_c:
        (ev.ambiguous if _THOUSANDS_COMMA.match(t) else ev.comma).append(i)
    elif has_p:
        (ev.ambiguous_dot if _THOUSANDS_DOT.match(t) else ev.point).append(i)


def decimal_separator(values: pd.Series, name: str, rows: pd.Series | None = None,
                      delimiter: str | None = None, given: str | None = None
                      ) -> tuple[str, str | None]:
    """The decimal separator of a column of numbers as text ("." or ","), and a note saying
    what was assumed (None when there was nothing to decide).

    Evidence: `1,5` or `1.234,5` mean a decimal comma; `1.5` or `1,234.5` a decimal point.
    Values such as `1,500` alone could be either; they are read with a thousands comma only in
    a `,`-delimited file (where a decimal comma would have to be quoted against the
    convention); with `;` columns (the decimal-comma convention), tabs or anything else aidi
    refuses to guess and asks for `--decimal`.
    Both kinds of evidence in one file is refused: the numbers would be read inconsistently.
    """
    if given is not None:
        if given not in (".", ","):
            raise DataValidationError(f"decimal separator must be '.' or ',', got {given!r}")
        return given, None
    return _decide(_evidence(values, rows), name, delimiter)


def _decide(ev: _Evidence, name: str, delimiter: str | None) -> tuple[str, str | None]:
    if ev.comma and ev.point:
        raise DataValidationError(
            f"{name}: mixed decimal separators — decimal commas such as {ev.where(ev.comma)} "
            f"and decimal points such as {ev.where(ev.point)}; use one convention (or pass "
            "--decimal , or --decimal .)")
    if ev.comma:
        return ",", (f"{name}: read numbers with a decimal comma (values such as "
                     f"{ev.where(ev.comma)}); '.' is taken as a thousands separator")
    if ev.ambiguous:
        if delimiter != ",":
            why = ("the file uses ';' columns, the decimal-comma convention" if delimiter == ";"
                   else "nothing else in the file says which")
            raise DataValidationError(
                f"{name}: values such as {ev.where(ev.ambiguous)} could mean thousands or "
                f"decimals ({why}); pass --decimal , or --decimal . to say which")
        return ".", (f"{name}: read values such as {ev.where(ev.ambiguous)} with ',' as a "
                     "thousands separator (pass --decimal , if it is a decimal comma)")
    if ev.ambiguous_dot and not ev.point and delimiter == ";":
        raise DataValidationError(
            f"{name}: values such as {ev.where(ev.ambiguous_dot)} could mean thousands or "
            "decimals (the file uses ';' columns, the decimal-comma convention); pass "
            "--decimal , or --decimal . to say which")
    return ".", None


class DecimalRule:
    """The decimal separator of a file read in chunks: decided on the first chunk with
    evidence, kept for the rest, and refused (`--decimal` asked for) when a later chunk
    contradicts what an earlier chunk was read with — the numbers would be inconsistent."""

    def __init__(self, given: str | None = None) -> None:
        if given not in (None, ".", ","):
            raise DataValidationError(f"decimal separator must be '.' or ',', got {given!r}")
        self.given = given
        self.sep: str | None = None
        self.firm = False          # decided by unambiguous evidence (not by the default)
        self.first = ""            # the values that decided it, for messages

    def decide(self, values: pd.Series, name: str, rows: pd.Series | None,
               delimiter: str | None) -> tuple[str, str | None]:
        if self.given is not None:
            return self.given, None
        ev = _evidence(values, rows)
        sep, note = _decide(ev, name, delimiter)
        firm = bool(ev.comma or ev.point)
        if not (firm or ev.ambiguous):
            return self.sep or ".", None
        if self.sep is None:
            self.sep, self.firm = sep, firm
            self.first = ev.where(ev.comma or ev.point or ev.ambiguous)
            return sep, note
        if sep != self.sep and (firm or self.firm):
            raise DataValidationError(
                f"{name}: values such as {self.first} were read with {self.sep!r} as the "
                f"decimal separator, but later rows such as "
                f"{ev.where(ev.comma or ev.point or ev.ambiguous)} use {sep!r}; use one "
                "convention (or pass --decimal , or --decimal .)")
        if firm and not self.firm:
            self.firm, self.first = True, ev.where(ev.comma or ev.point)
        return self.sep, None


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


def _separator(decimal: str | DecimalRule | None, values: pd.Series, name: str,
               rows: pd.Series, delimiter: str | None) -> tuple[str, str | None]:
    if isinstance(decimal, DecimalRule):
        return decimal.decide(values, name, rows, delimiter)
    return decimal_separator(values, name, rows, delimiter, decimal)


def _numbers(values: pd.Series, sep: str) -> pd.Series:
    """`_number` over a column: texts that already read as numbers with a decimal point are
    kept (stripped) at C speed; only the others (separators, '%', NA markers) go through
    `_number` one by one."""
    text = values.astype(str)
    if sep != ".":
        return text.map(lambda t: _number(t, sep))
    plain = pd.to_numeric(text, errors="coerce").notna()
    out = text.str.strip()
    rest = ~plain.to_numpy()
    if rest.any():
        out[rest] = text[rest].map(lambda t: _number(t, sep))
    return out


def _prefixed(series: str, prefix: str) -> str:
    return series if not series or series.startswith(prefix) else prefix + series


def to_long(cells: pd.DataFrame, name: str, *, series: str | None, prefix: str,
            unit: str | None, decimal: str | DecimalRule | None = None,
            notes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """The user's table in validation layout (country/iso3, year, series, value, unit, row);
    the decimal separator assumed is appended to `notes`. `decimal` is "." or ",", None (read
    from the values), or a `DecimalRule` shared by the chunks of one file."""
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
        sep, note = _separator(decimal, out["value"], name, out["row"], delimiter)
        out["value"] = _numbers(out["value"], sep)
        notes.extend([note] if note else [])
        layout = "long"
    else:
        out = _wide(cells, name, series=series, unit=unit, decimal=decimal, notes=notes)
        layout = "wide"
    out["series"] = per_value(out["series"], lambda s: _prefixed(str(s).strip(), prefix))
    return out, layout


def _wide(cells: pd.DataFrame, name: str, *, series: str | None, unit: str | None,
          decimal: str | DecimalRule | None = None, notes: list[str] | None = None
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
    if country in ("column", "_cell"):
        raise DataValidationError(f"{name}: the first column may not be called {country!r} "
                                  "(aidi uses the name); call it country")
    long = cells.melt(id_vars=[country, "row"], value_vars=list(years), var_name="column",
                      value_name="_cell")
    sep, note = _separator(decimal, long["_cell"], name, long["row"],
                           cells.attrs.get("delimiter"))
    if note and notes is not None:
        notes.append(note)
    long["_cell"] = _numbers(long["_cell"], sep)
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
                decimal: str | None = None, progress: Progress | None = None,
                chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """Validate and store a user's file as one `import` vintage (see the module docstring).

    The file is streamed: read, validated and staged in the store's write transaction
    `chunk_rows` rows at a time (`aidi.store.import_staging`), so memory does not grow with
    the file; the checks across rows (one unit per series, no key twice) run once at the
    end. `decimal` ("." or ",") overrides the decimal separator read from the values;
    `progress(phase, done, total)` follows the reading in bytes. The report's `accepted`
    holds the first `PREVIEW_ROWS` accepted rows (`n_accepted` counts them all).
    """
    from aidi.store.import_staging import Staging

    path = Path(path)
    check_input_file(path)
    label = f"user import: {path.name}"
    source = iter_cells(path, sheet, chunk_rows, progress)
    notes: list[str] = list(source.notes)
    known = store.series_units()
    rule = DecimalRule(decimal)
    state: dict[str, object] = {"layout": "long", "rejected": []}

    def fill(con) -> tuple[str, str]:
        staging = Staging(con, path.name)
        for cells in source.chunks:
            long, state["layout"] = to_long(cells, path.name, series=series,
                                            prefix=series_prefix, unit=unit, decimal=rule,
                                            notes=notes)
            long["source"] = long["source"].where(long["source"].astype(str) != "", label) \
                if "source" in long.columns else label
            long["file"] = str(path.resolve())
            rep = validate_observations(long, path.name, known_units=known,
                                        across_rows=False)
            staging.append(rep.accepted)
            state["rejected"].append(rep.rejected)  # type: ignore[union-attr]
            del cells, long, rep
            release_memory()
        state["rejected"].append(staging.check_across_rows())  # type: ignore[union-attr]
        state["report"] = _streamed_report(path.name, staging, state["rejected"], strict)
        state["series"] = tuple(staging.series())
        return staging.table, staging.sha256()

    vid = store.add_vintage_rows(fill, Provenance(kind="import", label=label, publisher="user",
                                                  dataset=path.name, url=str(path.resolve()),
                                                  sources=path.name))
    return ImportResult(vid, state["report"], str(state["layout"]),  # type: ignore[arg-type]
                        state["series"], tuple(notes))  # type: ignore[arg-type]


def release_memory() -> None:
    """Give the freed chunk back to the system (glibc keeps freed heap otherwise, and a long
    import's resident memory would creep up chunk after chunk); a no-op elsewhere."""
    import contextlib
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _streamed_report(name: str, staging, rejected: list[pd.DataFrame],
                     strict: bool) -> ValidationReport:
    """The import's report: every rejected row, the first accepted ones, the count of all;
    refused (nothing stored) when nothing is valid, or with `strict` when anything is not."""
    frames = [r for r in rejected if len(r)]
    rej = pd.concat(frames, ignore_index=True) if frames else rejected[0].iloc[:0]
    if "column" in rej.columns:
        rej["column"] = rej["column"].fillna("")
    rej = rej.sort_values("row", kind="stable").reset_index(drop=True)
    report = ValidationReport(name, staging.head(PREVIEW_ROWS), rej,
                              accepted_total=staging.rows)
    if staging.rows == 0:
        if report.n_rejected == 0:
            raise DataValidationError(f"{name}: no rows to import")
        raise DataValidationError("nothing valid to store — " + report.summary())
    if strict:
        report.raise_if_rejected()
    return report
