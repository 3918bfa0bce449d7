"""`scores.xlsx`: every table of a build in one workbook, ready to paste into a deck.

One sheet per table, headers bold on a filled band and translated into the report's language,
the header row (and the economy column where there is one) frozen, numbers stored as numbers
(with a display format, never as text), column widths fitted to the content. openpyxl writes
it; the file is written atomically like every other output.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.report.translations import label

__all__ = ["write_workbook"]

_HEADER_FILL = "1F4E79"
_MAX_WIDTH = 60


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
    return v


def _number_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return "0"
    if pd.api.types.is_float_dtype(series):
        vals = series.dropna().abs()
        if len(vals) and (vals >= 1e5).any():
            return "#,##0"
        return "0.000"
    return None


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: Path, lang: str = "en",
                   headers: Mapping[str, str] | None = None) -> Path:
    """Write `sheets` (sheet name → table) to `path` as .xlsx; returns `path`.

    Column headers are translated (`col.<name>` keys, then `headers`, else the name); sheet
    names are cut to Excel's 31 characters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from aidi.io import atomic_write, fixed_datetime, reproducible_zip

    headers = headers or {}
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=str(name)[:31])
        cols = [str(c) for c in frame.columns]
        ws.append([headers.get(c) or label(c, lang) for c in cols])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center", wrap_text=False)
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        widths = []
        for j, col in enumerate(cols, start=1):
            fmt = _number_format(frame[col])
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            texts = [str(ws.cell(1, j).value)] + [str(v) for v in frame[col].head(500)]
            widths.append(min(_MAX_WIDTH, max(len(s) for s in texts) + 2))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
        freeze_col = 2 if cols and cols[0] in ("iso3", "economy") else 1
        if len(cols) > 1 and cols[1] in ("economy", "name_en", "name"):
            freeze_col = 3
        ws.freeze_panes = ws.cell(2, freeze_col)
    wb.properties.created = wb.properties.modified = fixed_datetime()  # reruns: same bytes

    def save(tmp: str) -> None:
        wb.save(tmp)
        reproducible_zip(tmp)

    return atomic_write(Path(path), save)
