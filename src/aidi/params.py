"""Declared constraints on the arguments of every public function and method, checked in one
place (scikit-learn's `_param_validation` idea).

Each public entry point states, per parameter, what it accepts:

    @validate_params({"seed": [SEED], "n_samples": [Interval(int, 1)], "config": [None, ...]})
    def uncertainty(self, n_samples=1000, seed=0, config=None): ...

and `validate_params` checks a call against that before the body runs: a value no constraint
accepts raises a `UsageError` naming the function, the parameter, what it accepts and what it
got — never a raw `TypeError` from deep inside. A parameter without a declaration is a
programming error found when the module is imported, so a new argument cannot slip past the
checks. `invalid_values(constraints)` generates values a parameter must refuse; the common
checks (tests/test_api_common_checks.py) drive every public entry point with them.

The checks are about the kind and range of an argument; what depends on the build (is this
code one of its units, this id one of its nodes) stays with the method, which knows the build.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from aidi.errors import UsageError

__all__ = ["COUNTRIES", "PROGRESS", "SEED", "Constraint", "Interval", "InstanceOf",
           "MappingOf", "Options", "PATH", "TEXT", "TextList", "invalid_values",
           "validate_params"]


class Constraint:
    """What one kind of value must be. `check` returns None when `value` is accepted, "" when
    it is of another kind, or a sentence saying what is wrong with a value of the right kind."""

    description: str = ""

    def check(self, value: object) -> str | None:
        raise NotImplementedError

    def invalid(self) -> tuple[object, ...]:
        """Values of this constraint's kind that it refuses (for the common checks)."""
        return ()


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Interval(Constraint):
    """A whole number (`int`) or any finite number (`float`) between `low` and `high`."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"   # "both", "left", "right", "neither"

    def check(self, value: object) -> str | None:
        ok_kind = _is_int(value) if self.kind is int else _is_real(value)
        if not ok_kind:
            return ""
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            return f"must be {self.description} (a finite number)"
        lo_ok = self.low is None or (v >= self.low if self.closed in ("both", "left")
                                     else v > self.low)
        hi_ok = self.high is None or (v <= self.high if self.closed in ("both", "right")
                                      else v < self.high)
        return None if lo_ok and hi_ok else f"must be {self.description}"

    @property
    def description(self) -> str:  # type: ignore[override]
        what = "a whole number" if self.kind is int else "a number"
        left = ">=" if self.closed in ("both", "left") else ">"
        right = "<=" if self.closed in ("both", "right") else "<"
        if self.low is not None and self.high is not None:
            if self.closed == "both":
                return f"{what} from {_num(self.low)} to {_num(self.high)}"
            return f"{what} {left} {_num(self.low)} and {right} {_num(self.high)}"
        if self.low is not None:
            return f"{what} {left} {_num(self.low)}"
        if self.high is not None:
            return f"{what} {right} {_num(self.high)}"
        return what

    def invalid(self) -> tuple[object, ...]:
        out: list[object] = [float("nan")] if self.kind is not int else [1.5]
        if self.low is not None:
            out.append(self.low - 1)
        if self.high is not None:
            out.append(self.high + 1)
        return tuple(out)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Options(Constraint):
    """One of a few words (compared without regard to case when `fold` is set)."""

    values: tuple[str, ...]
    fold: bool = False

    def check(self, value: object) -> str | None:
        if not isinstance(value, str):
            return ""
        text = value.strip().lower() if self.fold else value
        if text in self.values:
            return None
        return f"must be {self.description}"

    @property
    def description(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(v) for v in self.values)

    def invalid(self) -> tuple[object, ...]:
        return ("no-such-option",)


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of `types`; `lazy` names them on first use instead (a class defined
    later in the same module, or one whose module is costly to import)."""

    label: str
    types: tuple[type, ...] = ()
    lazy: Callable[[], tuple[type, ...]] | None = None

    def check(self, value: object) -> str | None:
        types = self.types + (self.lazy() if self.lazy is not None else ())
        return None if isinstance(value, types) else ""

    @property
    def description(self) -> str:  # type: ignore[override]
        return self.label


@dataclass(frozen=True)
class TextList(Constraint):
    """A non-empty list (tuple, set) of text, e.g. economy codes or names."""

    label: str
    example: str

    def check(self, value: object) -> str | None:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            return ""
        if not isinstance(value, Sequence | set | frozenset):
            return ""
        items = list(value)
        bad = [v for v in items if not isinstance(v, str)]
        if bad:
            return f"every entry must be {self.label} (text), got {bad[0]!r}"
        if not items:
            return f"is an empty list: give at least one ({self.example})"
        return None

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"a list of {self.label}s such as {self.example}"

    def invalid(self) -> tuple[object, ...]:
        return ([], ["ABC", 3])


@dataclass(frozen=True)
class MappingOf(Constraint):
    """A mapping of text keys to finite numbers, e.g. node ids to weights."""

    label: str
    example: str

    def check(self, value: object) -> str | None:
        if not isinstance(value, Mapping):
            return ""
        for k, v in value.items():
            if not isinstance(k, str):
                return f"must map {self.label}, e.g. {self.example}: key {k!r} is not text"
            if not _is_real(v) or not math.isfinite(float(v)):
                return f"must map {self.label}, e.g. {self.example}: {k!r} maps to {v!r}"
        return None

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"a mapping of {self.label}, e.g. {self.example}"

    def invalid(self) -> tuple[object, ...]:
        return ({"x": "half"}, {1: 0.5}, {"x": float("inf")})


@dataclass(frozen=True)
class _Callable(Constraint):
    description: str = "a callable"

    def check(self, value: object) -> str | None:
        return None if callable(value) else ""


@dataclass(frozen=True)
class _Anything(Constraint):
    """No check (e.g. a Dask scheduler: an address, a `Client` or a cluster)."""

    description: str = "anything"

    def check(self, value: object) -> str | None:
        return None


# ---- the shared declarations ------------------------------------------------------------------
#: Any value: for arguments handed on to another library that checks them itself.
ANYTHING = _Anything()
SEED = Interval(int, 0, None)
TEXT = InstanceOf("text", (str,))
PATH = InstanceOf("a file path", (str, Path))
BOOL = InstanceOf("True or False", (bool,))
FRACTION = Interval(float, 0, 1)
PROGRESS = _Callable("a progress callback progress(phase, done=None, total=None)")
COUNTRIES = (InstanceOf("a group name ('TARGET_20', 'G20'), 'all', a comma-separated list",
                        (str,)),
             TextList("code or name", "['USA', 'CHN']"))


# ---- checking a call -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Declared:
    where: str
    constraints: Mapping[str, tuple[Constraint | None, ...]]
    signature: inspect.Signature = field(repr=False)


def _message(where: str, name: str, allowed: Sequence[Constraint | None], value: object) -> str:
    """The error for `value`: the specific reason when a constraint of its kind refused it,
    else every kind the parameter accepts."""
    for c in allowed:
        if c is not None:
            why = c.check(value)
            if why:
                return f"{where}: {name} {why}, got {value!r}"
    kinds = [("None" if c is None else c.description) for c in allowed]
    return (f"{where}: {name} must be {', or '.join(kinds)}, got "
            f"{type(value).__name__} {value!r}")


def check_value(where: str, name: str, allowed: Sequence[Constraint | None],
                value: object) -> None:
    """Raise a `UsageError` unless one of `allowed` (None = the value None) accepts `value`."""
    for c in allowed:
        if (value is None and c is None) or (c is not None and c.check(value) is None):
            return
    raise UsageError(_message(where, name, allowed, value))


def validate_params(constraints: Mapping[str, Sequence[Constraint | None]],
                    where: str | None = None) -> Callable:
    """Decorate a public function or method: every call's arguments are checked against
    `constraints` (one list per parameter; None in a list accepts None) before it runs."""

    def decorate(func: Callable) -> Callable:
        sig = inspect.signature(func)
        names = [n for n in sig.parameters if n not in ("self", "cls")]
        undeclared = sorted(set(names) - set(constraints))
        extra = sorted(set(constraints) - set(names))
        if undeclared or extra:
            raise TypeError(f"{func.__qualname__}: declare every parameter (missing "
                            f"{undeclared}, unknown {extra})")
        label = where or _label(func)
        declared = _Declared(label, {k: tuple(v) for k, v in constraints.items()}, sig)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise UsageError(f"{label}: {exc}; it takes {', '.join(names) or 'nothing'}"
                                 ) from None
            for name, value in bound.arguments.items():
                if name in declared.constraints:
                    check_value(label, name, declared.constraints[name], value)
            return func(*args, **kwargs)

        wrapper.__aidi_params__ = declared  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _label(func: Callable) -> str:
    """`Build.uncertainty()` for a method, `aidi.build()` for a function of the front door."""
    qual = func.__qualname__
    return f"{qual}()" if "." in qual else f"aidi.{qual}()"


def declared(func: Callable) -> _Declared | None:
    """The declarations of a decorated function or method (None if it has none)."""
    target = getattr(func, "__func__", func)
    return getattr(target, "__aidi_params__", None)


class _Stranger:
    """A value of a kind no public parameter accepts."""

    def __repr__(self) -> str:
        return "<stranger>"


def invalid_values(allowed: Sequence[Constraint | None]) -> list[object]:
    """Values every constraint in `allowed` refuses: other kinds (None where None is not
    allowed, a number, a text, a list, a mapping, an object of no known kind), and each
    constraint's own out-of-range values."""
    candidates: list[object] = [_Stranger(), 1j, b"bytes", {"a": object()}, [object()],
                                "not-a-valid-value", -1, 2.5, True, object]
    if None not in allowed:
        candidates.insert(0, None)
    for c in allowed:
        if c is not None:
            candidates.extend(c.invalid())
    out = []
    for v in candidates:
        try:
            check_value("?", "?", allowed, v)
        except UsageError:
            out.append(v)
    return out
