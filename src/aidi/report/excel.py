"""Writing `scores.xlsx`: typed cells, named tables with filters, frozen headers, native charts.

What the sheets hold is decided by `aidi.report.workbook`; this module only writes them, the
way an analyst expects a workbook to behave:

- every sheet's data is a named Excel table (filter buttons on the header, banded rows), its
  header row frozen (and the leading identifying columns, `SheetSpec.freeze_cols`);
- numbers are numbers: whole-number columns (years, ranks, counts) formatted without
  decimals, ranks that can be x.5 (medians) with one decimal only where needed, large values
  with thousands separators, shares as per cent — never text, never "0.000" on a rank;
- extra tables can sit below the first (`SheetSpec.below`: the flag legend under the
  sources), each named;
- native charts (`ChartSpec`: a horizontal ranking bar, a scatter) are drawn by Excel from the
  cells of the sheet that precedes them, so they follow any edit of the numbers;
- column widths fit the content, counting a CJK character as two;
- the file is written atomically and reproducibly (fixed timestamps).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from aidi.report.translations import label

__all__ = ["ChartSpec", "SheetSpec", "write_workbook"]

_HEADER_FILL = "1F4E79"
_MAX_WIDTH = 60
#: Number formats by name (`SheetSpec.formats` values may also be Excel formats).
_INT, _PCT = "0", "0%"


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its title, the Excel name of its table, the table (headers are the column
    names, already in the reader's language), number formats by column (an Excel format, or
    "rank": whole numbers as such, halves with one decimal), how many leading columns stay in
    view, and tables placed below it as (title, table name, frame)."""

    title: str
    table: str
    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    freeze_cols: int = 0
    below: tuple[tuple[str, str, pd.DataFrame], ...] = ()


@dataclass(frozen=True)
class ChartSpec:
    """A native chart of the sheet just before it in the list: `x` is the category (bar) or
    x-value (scatter) column, `y` the value column(s), `anchor` the top-left cell."""

    kind: Literal["bar", "scatter"]
    title: str
    x: str
    y: tuple[str, ...]
    anchor: str = "H2"


def _cell(v: object) -> object:
    """A value openpyxl stores natively: NaN/NA → empty, NumPy scalars → Python numbers."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def _float_format(v: float) -> str:
    """By magnitude: 126,737 · 12.3 · 0.734 (people read three significant figures)."""
    a = abs(v)
    return "#,##0" if a >= 1000 else "0.0" if a >= 100 else "0.000"


def _column_format(series: pd.Series, given: str | None) -> str | None:
    """A column's format: given, else by dtype (whole numbers "0", floats per cell: None)."""
    if given:
        return given
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        vals = pd.to_numeric(series, errors="coerce").dropna().abs()
        return "#,##0" if len(vals) and (vals >= 10000).any() else _INT
    return None


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _unique(headers: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = str(h) if h not in (None, "") else "—"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _write_table(ws, frame: pd.DataFrame, start: int, name: str,
                 formats: Mapping[str, str]) -> tuple[int, list[int]]:
    """Header at row `start`, data below, a named table over it; returns (last row, widths)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    headers = _unique([str(c) for c in frame.columns])
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(start, j, h)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    widths = [_text_width(h) + 3 for h in headers]
    for j, col in enumerate(frame.columns, start=1):
        fmt = _column_format(frame[col], formats.get(str(col)))
        for i, v in enumerate(frame[col].tolist(), start=start + 1):
            value = _cell(v)
            cell = ws.cell(i, j, value)
            if isinstance(value, float) and not isinstance(value, bool):
                cell.number_format = ("0" if value.is_integer() else "0.0") if fmt == "rank" \
                    else fmt or _float_format(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = "0" if fmt == "rank" else fmt or _INT
            if i - start <= 500 and value is not None:
                shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
                widths[j - 1] = max(widths[j - 1], _text_width(shown) + 2)
    last = start + len(frame)
    if len(headers):
        ref = f"A{start}:{get_column_letter(len(headers))}{max(last, start + 1)}"
        if last == start:  # a table needs a data row: an empty one keeps the filter
            ws.cell(start + 1, 1, None)
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
    return max(last, start + 1), widths


def _add_chart(ws, spec: ChartSpec, frame: pd.DataFrame) -> None:
    from openpyxl.chart import BarChart, Reference, ScatterChart, Series

    cols = [str(c) for c in frame.columns]
    n = len(frame)
    if n == 0:
        return
    xc = cols.index(spec.x) + 1
    if spec.kind == "bar":
        chart = BarChart()
        chart.type, chart.style, chart.legend = "bar", 10, None
        for y in spec.y:
            chart.add_data(Reference(ws, min_col=cols.index(y) + 1, min_row=1, max_row=n + 1),
                           titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=xc, min_row=2, max_row=n + 1))
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
        chart.height, chart.width = max(7.5, 0.5 * n + 2), 16
    else:
        chart = ScatterChart()
        chart.style, chart.legend = 13, None
        xs = Reference(ws, min_col=xc, min_row=2, max_row=n + 1)
        for y in spec.y:
            s = Series(Reference(ws, min_col=cols.index(y) + 1, min_row=1, max_row=n + 1), xs,
                       title_from_data=True)
            s.marker.symbol, s.marker.size = "circle", 7
            s.graphicalProperties.line.noFill = True
            chart.series.append(s)
        chart.x_axis.title, chart.y_axis.title = spec.x, spec.y[0]
        chart.height, chart.width = 10, 16
    chart.title = spec.title
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    ws.add_chart(chart, spec.anchor)


def _specs(sheets: Mapping[str, pd.DataFrame] | Sequence[SheetSpec], lang: str,
           headers: Mapping[str, str]) -> list[SheetSpec]:
    """SheetSpecs as given, or from a plain mapping (sheet name → frame, columns translated
    by `col.<name>` keys or `headers`)."""
    if not isinstance(sheets, Mapping):
        return list(sheets)
    out = []
    for k, (name, frame) in enumerate(sheets.items()):
        renamed = frame.rename(columns={c: headers.get(str(c)) or label(str(c), lang)
                                        for c in frame.columns})
        ident = sum(1 for c in list(frame.columns)[:3]
                    if str(c) in ("iso3", "economy", "name", "name_en"))
        out.append(SheetSpec(str(name), f"T{k + 1}_{''.join(ch for ch in str(name) if ch.isalnum())}",
                             renamed, freeze_cols=ident))
    return out


def write_workbook(sheets: Mapping[str, pd.DataFrame] | Sequence[SheetSpec], path: Path,
                   lang: str = "en", headers: Mapping[str, str] | None = None,
                   charts: Sequence[ChartSpec] = (), chart_sheet: int = 1) -> Path:
    """Write the sheets to `path` as .xlsx (see the module docstring); returns `path`.

    `charts` go on sheet number `chart_sheet` (0-based) and read its table. Sheet titles are
    cut to Excel's 31 characters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from aidi.io import atomic_write, fixed_datetime, reproducible_zip

    wb = Workbook()
    wb.remove(wb.active)
    specs = _specs(sheets, lang, headers or {})
    for k, spec in enumerate(specs):
        ws = wb.create_sheet(title=spec.title[:31])
        last, widths = _write_table(ws, spec.frame, 1, spec.table, spec.formats)
        for title, name, frame in spec.below:
            ws.cell(last + 2, 1, title).font = Font(bold=True, color=_HEADER_FILL)
            last, more = _write_table(ws, frame, last + 3, name, {})
            n = max(len(widths), len(more))
            widths = [max(a, b) for a, b in zip(widths + [0] * (n - len(widths)),
                                                 more + [0] * (n - len(more)), strict=True)]
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(_MAX_WIDTH, w)
        ws.freeze_panes = ws.cell(2, spec.freeze_cols + 1)
        if k == chart_sheet:
            for chart in charts:
                _add_chart(ws, chart, spec.frame)
    wb.properties.created = wb.properties.modified = fixed_datetime()  # reruns: same bytes

    def save(tmp: str) -> None:
        wb.save(tmp)
        reproducible_zip(tmp)

    return atomic_write(Path(path), save)
