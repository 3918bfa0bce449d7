"""The source's statements (the spec's `statements:`) tested on a build, each with its value.

One row per statement: whether it holds (True/False; missing when the build cannot test it,
e.g. an economy not built), the number it rests on (`value`), what it is compared with
(`threshold`), a short evidence text (`ours`) and the sentence in both languages. The tests
are those of `aidi.specs.statements`; "relative" always means relative to the spec's
reference unit, for indicators (normalised value ÷ the reference's) and aggregates alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult
from aidi.specs.statements import Statement, StatementTest

COLUMNS = ["key", "kind", "statement", "statement_zh", "holds", "value", "threshold", "ours",
           "unit", "where", "lean", "median"]
_OPS = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
_SYMBOLS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


class _View:
    """Relative values and ranks of every node (indicators and aggregates) of one build."""

    def __init__(self, result: BuildResult, observations: pd.DataFrame | None):
        self.result = result
        self.obs = observations
        values = result.values()
        ref = result.spec.reference
        if ref is not None and ref in values.index:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = values / values.loc[ref]
        self.rel = values.replace([np.inf, -np.inf], np.nan)
        self.rank = self.rel.rank(ascending=False, method="min")
        self.units = set(result.units)
        self._series: dict[str, pd.DataFrame] = {}

    def has(self, *units: str | None) -> bool:
        return all(u in self.units for u in units if u)

    def series_value(self, series: str, unit: str) -> float:
        """The latest value of `series` for `unit` within the spec's default window, else the
        latest before it (the same rule the indicators follow)."""
        if self.obs is None:
            return float("nan")
        rows = self._rows(series)
        rows = rows[rows["iso3"] == unit]
        if rows.empty:
            return float("nan")
        return float(rows.sort_values("year")["value"].iloc[-1])

    def _rows(self, series: str) -> pd.DataFrame:
        """The observations of `series` up to the window's end, filtered once per series (a
        comparison with the mean asks for every unit's value; the table is large)."""
        if series not in self._series:
            obs, end = self.obs, self.result.spec.defaults.years.end
            self._series[series] = obs[(obs["series"] == series) & (obs["year"] <= end)]
        return self._series[series]


def check_statements(result: BuildResult,
                     observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every statement of the spec tested on `result` (columns `COLUMNS`)."""
    view = _View(result, observations)
    rows = [_row(st, view) for st in result.spec.statements]
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(st: Statement, view: _View) -> dict:
    base = {"key": st.key, "kind": st.test.kind, "statement": st.text.en, "statement_zh": st.text.get("zh"),
            "unit": st.test.unit or "", "where": st.where, "lean": np.nan, "median": np.nan}
    test = st.test
    if not view.has(test.unit, *test.units, *test.others):
        return {**base, "holds": pd.NA, "value": np.nan, "threshold": np.nan,
                "ours": "not testable: an economy it names is not in this build"}
    out = _TESTS[test.kind](test, view)
    return {**base, **out}


def _ranks(test: StatementTest, view: _View) -> dict:
    got = [view.rank.loc[u, test.node] for u in test.units]
    holds = sorted(got) == sorted(float(p) for p in test.positions)
    text = ", ".join(f"{u} {_int(r)}" for u, r in zip(test.units, got, strict=True))
    return {"holds": holds, "value": got[0] if len(got) == 1 else np.nan,
            "threshold": np.nan, "ours": f"ranks: {text}"}


def _lean(test: StatementTest, view: _View) -> dict:
    lean_all = np.log(view.rel[test.application]) - np.log(view.rel[test.rd])
    med = float(lean_all.median())
    lean = float(lean_all[test.unit])
    holds = lean > med if test.side == "application" else lean < med
    return {"holds": bool(holds), "value": lean, "threshold": med, "lean": lean, "median": med,
            "ours": f"ln({test.application}/{test.rd}) {lean:+.2f} vs median {med:+.2f}"}


def _above(test: StatementTest, view: _View) -> dict:
    mine = float(view.rel.loc[test.unit, test.node])
    others = {u: float(view.rel.loc[u, test.node]) for u in test.others}
    best = max(others.values())
    holds = all(mine > v for v in others.values())
    text = ", ".join(f"{u} {v:.3f}" for u, v in others.items())
    return {"holds": bool(holds), "value": mine, "threshold": best,
            "ours": f"{test.unit} {mine:.3f} vs {text}"}


def _among_lowest(test: StatementTest, view: _View) -> dict:
    vals = view.rel.loc[test.unit, list(test.among)].astype(float)
    order = vals.sort_values()
    lowest = list(order.index[:test.k])
    mine = float(vals[test.node])
    holds = test.node in lowest
    text = ", ".join(f"{n} {order[n]:.3f}" for n in lowest)
    return {"holds": bool(holds), "value": mine, "threshold": float(order.iloc[test.k - 1]),
            "ours": f"{test.node} {mine:.3f}; the {test.k} lowest of {len(vals)}: {text}"}


def _relative(test: StatementTest, view: _View) -> dict:
    mine = float(view.rel.loc[test.unit, test.node])
    if test.series is not None:
        ref = view.result.spec.reference
        threshold = view.series_value(test.series, test.unit) / \
            view.series_value(test.series, ref)
        what = f"{test.series} {test.unit}/{ref} {threshold:.3f}"
    else:
        threshold, what = float(test.value), f"{test.value:g}"
    holds = bool(_OPS[test.op](mine, threshold)) if np.isfinite([mine, threshold]).all() \
        else pd.NA
    return {"holds": holds, "value": mine, "threshold": threshold,
            "ours": f"{test.node} {mine:.3f} {_SYMBOLS[test.op]} {what}"}


def _vs_mean(test: StatementTest, view: _View) -> dict:
    vals = pd.Series({u: view.series_value(test.series, u) for u in view.result.units})
    mean = float(vals.mean())
    mine = float(vals[test.unit])
    holds = bool(_OPS[test.op](mine, mean)) if np.isfinite([mine, mean]).all() else pd.NA
    return {"holds": holds, "value": mine, "threshold": mean,
            "ours": f"{test.series} {mine:.3f} {_SYMBOLS[test.op]} mean of "
                    f"{int(vals.notna().sum())} {mean:.3f}"}


def _int(x: float) -> str:
    return "—" if not np.isfinite(x) else str(int(x))


_TESTS = {"ranks": _ranks, "lean": _lean, "above": _above, "among_lowest": _among_lowest,
          "relative": _relative, "vs_mean": _vs_mean}


def summary_counts(checks: pd.DataFrame) -> tuple[int, int, int]:
    """(held, tested, not testable)."""
    tested = checks["holds"].notna()
    return int(checks.loc[tested, "holds"].astype(bool).sum()), int(tested.sum()), \
        int((~tested).sum())
