"""The console a command prints to, made for the run that prints — not when its module is
imported.

rich settles, when a `Console` is made, whether output is a terminal (FORCE_COLOR,
TTY_COMPATIBLE) and how wide it is (COLUMNS). A console made at import kept the first run's
answers for every later run in the same process: after one command ran on a 100-column
terminal, a piped 80-column run drew 100-column tables, and after a piped run a terminal run
showed no progress (seen as order-dependent test failures). `CommandConsole` makes its
console on first use and again when the output stream or those settings change, so every
run sees its own terminal; a plain `aidi` process (one run) makes one console.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rich.console import Console

#: The environment rich reads when a console is made.
_SETTLED_AT_CREATION = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                        "COLUMNS", "LINES", "TERM", "COLORTERM")


class CommandConsole:
    """Stands in for a module's `rich.console.Console` (every attribute is the current
    console's)."""

    def __init__(self) -> None:
        self._console: Console | None = None
        self._made_for: tuple[Any, ...] | None = None

    def current(self) -> Console:
        """The console for the present output stream and environment."""
        key = (id(sys.stdout), *(os.environ.get(k) for k in _SETTLED_AT_CREATION))
        if self._console is None or key != self._made_for:
            self._console, self._made_for = Console(), key
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)
