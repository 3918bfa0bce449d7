"""Gap to overtake: the smallest improvement of A's indicators that puts A strictly above B.

The question a briefing asks ("how much more compute would Japan need to pass Germany?") has
one answer here, computed the same way by the Python API (`Build.gap`, `aidi gap A B`) and by
the explorer page (a line-by-line port in `explorer/assets/app.js`, checked against this in
the browser tests):

- **The change.** Every indicator under `node` (default: the root, i.e. all of them) of
  economy A is improved by a factor f ≥ 1: multiplied by f where higher is better, multiplied
  by 1/f where lower is better — the values before imputation, exactly as a scenario's
  `multiply` (`aidi.analysis.scenarios`), and the index rebuilt from there (impute → treat →
  normalise → aggregate).
- **Strictly passes.** A's index is greater than B's (`>`; an exact tie is not a pass).
- **The grid.** f is read to four significant digits: 1.000, 1.001, …, 9.999, 10.00, …,
  up to `MAX_FACTOR` (10⁶). The answer is the smallest grid value at which A passes, found by
  bisection over the grid's positions (`GRID_SIZE` of them, ~16 evaluations); the grid value
  just below it (`below`) is reported too, at which A does not pass. Both are exact decimals,
  so the page and Python, evaluating the same grid points, give the same factor.
- **Cases.** `ahead` (A already passes at f = 1), `same` (A = B), `undefined` (A or B has no
  index), `unreachable` (A does not pass even at 10⁶), `factor` (the answer).

The bisection assumes A's lead grows with f — true of every monotone normaliser and mean the
engine has — and checks its result: A passes at `factor`, not at `below`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from aidi.analysis.scenarios import Change, Scenario
from aidi.engine.pipeline import BuildResult, prepare
from aidi.engine.tree import aggregate_tree
from aidi.errors import AidiError, InputError
from aidi.specs.schema import Indicator, Label, iter_nodes

__all__ = ["GRID_SIZE", "MAX_FACTOR", "Gap", "gap", "grid_factor", "shown_digits"]

#: Significant digits of the factor (the grid's resolution).
DIGITS = 4
#: Grid positions per decade (1.000 … 9.999).
PER_DECADE = 9 * 10 ** (DIGITS - 1)
#: Decades searched: factors 1 … 10**DECADES.
DECADES = 6
MAX_FACTOR = 10.0 ** DECADES
#: Positions 0 … GRID_SIZE − 1, the last one being MAX_FACTOR.
GRID_SIZE = DECADES * PER_DECADE + 1

Kind = Literal["factor", "ahead", "same", "undefined", "unreachable"]


def grid_factor(k: int) -> float:
    """The factor at grid position k: mantissa 1000 + k mod 9000, decade k div 9000, as an
    exact decimal (one correctly rounded division or multiplication, the same in JavaScript)."""
    decade, m = divmod(int(k), PER_DECADE)
    mantissa = 10 ** (DIGITS - 1) + m
    shift = decade - (DIGITS - 1)
    return mantissa / 10 ** -shift if shift < 0 else float(mantissa * 10 ** shift)


def shown_digits(a: float, b: float, start: int = 3, stop: int = 12) -> int:
    """The fewest decimals (≥ `start`) at which a and b print differently, so a reader sees
    the strict difference ("0.3405 < 0.3406", never "0.340 = 0.340")."""
    for d in range(start, stop + 1):
        if f"{a:.{d}f}" != f"{b:.{d}f}":
            return d
    return stop


@dataclass(frozen=True)
class Gap:
    """The answer for A passing B by improving A's indicators under `node` (module docstring).

    `index_a`/`index_b`: both indices at `factor` (for `factor`), else as built; on the
    build's own scale (the root's score). `scenario` applies the answer with
    `Build.with_changes`.
    """

    a: str
    b: str
    node: str
    kind: Kind
    factor: float | None = None
    below: float | None = None
    index_a: float | None = None
    index_b: float | None = None
    evaluations: int = 0
    scenario: Scenario | None = None

    @property
    def percent(self) -> float | None:
        """The improvement in per cent ((factor − 1) × 100)."""
        return None if self.factor is None else (self.factor - 1.0) * 100.0

    def digits(self) -> int:
        """Decimals that show the two indices apart (see `shown_digits`)."""
        if self.index_a is None or self.index_b is None:
            return 3
        return shown_digits(self.index_a, self.index_b)

    def to_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "node": self.node, "kind": self.kind,
                "factor": self.factor, "below": self.below, "index_a": self.index_a,
                "index_b": self.index_b, "evaluations": self.evaluations}


def improvement(result: BuildResult, unit: str, node: str, factor: float) -> Scenario:
    """The scenario "improve `unit`'s indicators under `node` by `factor`": ×f where higher
    is better, ×(1/f) where lower is better (two `multiply` changes at most)."""
    inds = [n for n in iter_nodes(result.spec.node(node)) if isinstance(n, Indicator)]
    up = tuple(i.id for i in inds if i.direction > 0)
    down = tuple(i.id for i in inds if i.direction < 0)
    changes = [Change(units=(unit,), indicators=ids, multiply=m)
               for ids, m in ((up, factor), (down, 1.0 / factor)) if ids]
    label = result.spec.node(node).name
    return Scenario(id="gap-to-overtake",
                    name=Label(en=f"{unit}: {label.en} × {factor:g}",
                               zh=f"{unit}:{label.get('zh')} × {factor:g}"),
                    changes=tuple(changes))


class _Rescorer:
    """The root's score of A and B after multiplying A's columns — `Build.with_changes` without
    re-reading the observations: the same `prepare` (impute → screen on imputed data → treat
    → normalise) on the candidates' selected values, then the same tree."""

    def __init__(self, result: BuildResult, a: str, b: str, node: str) -> None:
        data = result.candidates if result.candidates is not None else result.data
        self.result, self.data = result, data
        self.units = list(data.index)
        self.info = result.candidate_info if result.candidates is not None else result.unit_info
        cols = list(data.columns)
        inds = [n for n in iter_nodes(result.spec.node(node)) if isinstance(n, Indicator)]
        self.up = [cols.index(i.id) for i in inds if i.direction > 0]
        self.down = [cols.index(i.id) for i in inds if i.direction < 0]
        self.row_a = self.units.index(a)
        self.a, self.b = a, b
        self.calls = 0

    def __call__(self, factor: float) -> tuple[float, float]:
        """(index of A, index of B) at `factor`; NaN when the build fails or drops either."""
        self.calls += 1
        x = self.data.to_numpy(dtype=float, copy=True)
        x[self.row_a, self.up] = x[self.row_a, self.up] * factor
        x[self.row_a, self.down] = x[self.row_a, self.down] * (1.0 / factor)
        spec = self.result.spec
        try:
            prep = prepare(x, self.units, spec, self.info, with_log=False)
            units = [u for u, k in zip(self.units, prep.keep, strict=True) if k]
            ref = units.index(spec.reference) if spec.reference in units else None
            values = aggregate_tree(prep.normalised, self.result.tree, ref, units=units)
        except AidiError:
            return math.nan, math.nan
        if self.a not in units or self.b not in units:
            return math.nan, math.nan
        root = values[:, -1]
        return float(root[units.index(self.a)]), float(root[units.index(self.b)])


def _passes(scores: tuple[float, float]) -> bool:
    a, b = scores
    return bool(np.isfinite(a) and np.isfinite(b) and a > b)


def gap(result: BuildResult, a: str, b: str, node: str | None = None) -> Gap:
    """The smallest grid factor on A's indicators under `node` at which A's index is strictly
    above B's (see the module docstring); `result` is the build as the reader has it
    (weights, methods, scenario already applied)."""
    node = node or result.tree.root
    try:
        result.spec.node(node)
    except KeyError:
        raise InputError(f"unknown node {node!r}; choose one of "
                         f"{[n.id for n in iter_nodes(result.spec.root)]}") from None
    for u in (a, b):
        if u not in result.units:
            raise InputError(f"economy {u!r} is not among the economies built")
    idx = result.index
    ia, ib = float(idx[a]), float(idx[b])
    base = Gap(a, b, node, "undefined", index_a=_finite(ia), index_b=_finite(ib))
    if a == b:
        return Gap(a, b, node, "same", index_a=_finite(ia), index_b=_finite(ib))
    if not (np.isfinite(ia) and np.isfinite(ib)):
        return base
    if ia > ib:
        return Gap(a, b, node, "ahead", index_a=ia, index_b=ib)
    score = _Rescorer(result, a, b, node)
    top = score(grid_factor(GRID_SIZE - 1))
    if not _passes(top):
        return Gap(a, b, node, "unreachable", index_a=ia, index_b=ib, evaluations=score.calls)
    lo, hi, at_hi = 0, GRID_SIZE - 1, top  # A does not pass at lo, passes at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        s = score(grid_factor(mid))
        if _passes(s):
            hi, at_hi = mid, s
        else:
            lo = mid
    f = grid_factor(hi)
    return Gap(a, b, node, "factor", factor=f, below=grid_factor(lo), index_a=at_hi[0],
               index_b=at_hi[1], evaluations=score.calls,
               scenario=improvement(result, a, node, f))


def _finite(v: float) -> float | None:
    return v if np.isfinite(v) else None


def gap_frame(g: Gap) -> pd.DataFrame:
    """One row: the answer as a table (for a CSV or a console)."""
    return pd.DataFrame([g.to_dict()])
