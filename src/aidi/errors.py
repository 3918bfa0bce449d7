"""The one error type a user sees.

Every failure caused by what the user gave — a spec, a data file, a country code, an option —
is an `AidiError` (or a subclass): its message says what is wrong, where (file, row, field)
and how to fix it, and the CLI prints it on one line (exit 1 for bad input, 2 for usage).
Anything else that escapes is a bug in aidi and keeps its traceback, so it gets reported
rather than mistaken for bad input.

The subclasses also derive from the built-in type callers have caught so far (`ValueError`,
`KeyError`, `FileNotFoundError`), so existing `except` clauses keep working.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class AidiError(Exception):
    """A problem with the user's input, spec or environment; `str(err)` is the whole message."""

    exit_code = 1

    def __str__(self) -> str:  # KeyError quotes its argument; every aidi error reads plainly
        return str(self.args[0]) if self.args else self.__class__.__name__


class UsageError(AidiError, ValueError):
    """An option or argument out of range or of the wrong kind (CLI exit code 2)."""

    exit_code = 2


class InputError(AidiError, ValueError):
    """A value the user gave (a code, a name, a number) that aidi cannot use."""


class UnknownUnitError(InputError):
    """A country or unit code that resolves to no economy of the build or the country table."""


class RawDataNotFound(AidiError, FileNotFoundError):
    """No raw-data folder: set AIDI_RAW_DIR or place the data at ../shared/data/raw."""


class MissingExtraError(AidiError, ImportError):
    """An optional feature whose packages are not installed (`pip install "aidi[extra]"`)."""


def import_extra(module: str, extra: str) -> ModuleType:
    """Import `module`, which only the `extra` of aidi installs; a clear error when it is absent.

    The one guard for optional dependencies: a plain `pip install .` has none of them, and a
    test checks that every other import of the package is a declared core dependency.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise MissingExtraError(f"{module} is not installed: this feature needs aidi's "
                                f"'{extra}' extra; install it with pip install \"aidi[{extra}]\""
                                ) from exc
