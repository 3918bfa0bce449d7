"""Tables that never cut a number: how every command prints a rich `Table`.

Rich shrinks the widest columns first when a table is wider than the terminal, and crops
what no longer fits with "…" — so at 80 columns (the width of piped output) a figure such as
`0.665–1.000` became `0.665–1.…`. `fit(table)` makes the numbers rigid and the words flexible:

- a column whose cells are all figures (digits, signs, separators, intervals, "—") never
  wraps, and its header is wrapped onto lines no wider than those figures (so "90% index
  interval" stacks instead of widening the column);
- every other column folds a word that does not fit onto the next line instead of cropping.

Rich then takes any room it needs from the text columns. `print_table(console, table)` fits
and prints.
"""

from __future__ import annotations

import re
import textwrap

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

__all__ = ["fit", "is_figure", "print_table"]

#: A figure as the commands print it: 0.665, +0.263, 1.0–2.0, 12.5%, 1,234, 3→5, —, v3.
_FIGURE = re.compile(r"^[\s\dv.,:+\-−–—%()→×x/<>=~?]*\d[\s\d.,:+\-−–—%()→×x/<>=~?]*$|^[—–-]$")


_EXPONENT = re.compile(r"(?<=\d)e[+-]?\d+")


def is_figure(text: str) -> bool:
    """Whether a cell is a number (or an interval, change or rank move of numbers; 2.3e+08)."""
    text = _EXPONENT.sub("", text.strip())
    return bool(_FIGURE.match(text)) if text else True


def _wrap_header(header: object, width: int) -> object:
    if not isinstance(header, str) or cell_len(header) <= width or "\n" in header:
        return header
    return "\n".join(textwrap.wrap(header, width=width, break_long_words=False)) or header


def fit(table: Table) -> Table:
    """Numbers rigid, words flexible (see the module docstring); returns `table`."""
    for column in table.columns:
        cells = [c for c in column._cells if isinstance(c, str)]
        if cells and len(cells) == len(column._cells) and all(is_figure(c) for c in cells):
            width = max(cell_len(c) for c in cells)
            column.no_wrap = True
            column.overflow = "fold"
            column.header = _wrap_header(column.header, width)
        else:
            column.overflow = "fold"
    return table


def print_table(console: Console, table: Table) -> None:
    """Fit `table` and print it."""
    console.print(fit(table))
