"""Yearly editions from one spec: edition Y reads the data window that ends at Y − 1.

An index is published every year; readers compare editions ("how has the gap to the USA moved
since 2018?"), so every edition must come from the same spec, with only the years moved. The
spec's year rules are written for its own edition (`editions.base`, default its `edition`: for
AIDI 2024 the window 2021–2023, 2019–2023 for robotics models, an exact 2024 figure for the
cumulative Stanford totals). Edition Y moves every rule by Δ = Y − base (`EditionRule.shift`
says how), so edition 2024 *is* the spec as written.

`latest` ends each indicator's window at the latest complete year of the series it reads (and
of its denominator or multiplier): a year is complete when at least `editions.complete_share`
of the units that ever report the series report it that year.

A figure the raw data has only as a cumulative or single-year total cannot be moved to earlier
years. The spec declares what replaces it before a given edition (`EditionRule.before` with a
stand-in `series`, or missing), and `EditionNotes` lists every indicator that falls back, so a
timeline can say which cells rest on a stand-in. Pure: no I/O, nothing but the spec and the
observations given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from aidi.errors import UsageError
from aidi.specs.schema import (
    DEFAULT_DENOMINATORS,
    EditionRule,
    IndexSpec,
    Indicator,
    Transform,
    YearRule,
)

LATEST = "latest"
_YEAR = re.compile(r"^\d{4}$")
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True)
class IndicatorEdition:
    """What one indicator reads in an edition: series, rule as text, and any fallback
    (`""`: as written and moved; `stand-in`: another series; `missing`: no value expected)."""

    indicator: str
    series: str
    rule: str
    fallback: str = ""
    note: str = ""


@dataclass(frozen=True)
class EditionNotes:
    """How an edition was made from the spec: the shift and each indicator's rule."""

    edition: str
    base: int
    shift: int | None                  # Y − base; None for `latest` (one shift per series)
    indicators: tuple[IndicatorEdition, ...]

    def fallbacks(self) -> tuple[IndicatorEdition, ...]:
        return tuple(i for i in self.indicators if i.fallback)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([i.__dict__ for i in self.indicators],
                            columns=["indicator", "series", "rule", "fallback", "note"])

    def lines(self) -> list[str]:
        """One sentence per fallback, for a console or a report."""
        return [f"{i.indicator}: {i.fallback} — {i.series} {i.rule}"
                + (f" ({i.note})" if i.note else "") for i in self.fallbacks()]


def parse_edition(edition: str | int | None) -> str | None:
    """`None` (the spec's own edition), `"latest"`, or a four-digit year as text."""
    if edition is None:
        return None
    text = str(edition).strip().lower()
    if text == LATEST:
        return LATEST
    if _YEAR.match(text) and MIN_YEAR <= int(text) <= MAX_YEAR:
        return text
    raise UsageError(f"edition {edition!r} is neither a year ({MIN_YEAR}–{MAX_YEAR}) nor "
                     "'latest'; a state of the data (v3, snapshot) is a --vintage")


def base_year(spec: IndexSpec) -> int:
    """The edition year the spec's year rules are written for."""
    if spec.editions.base is not None:
        return spec.editions.base
    if _YEAR.match(spec.edition.strip()):
        return int(spec.edition)
    raise UsageError(f"spec {spec.id} says no edition year, so it cannot make yearly editions; "
                     "add `editions: {base: 2024}` (the year its year rules are written for)")


def is_base(spec: IndexSpec, edition: str | None) -> bool:
    """Whether `edition` is the spec as written (no edition, or the base year)."""
    if edition is None:
        return True
    return edition != LATEST and _spec_has_base(spec) and int(edition) == base_year(spec)


def _spec_has_base(spec: IndexSpec) -> bool:
    return spec.editions.base is not None or bool(_YEAR.match(spec.edition.strip()))


def moved(rule: YearRule, delta: int, shift: str = "window", *,
          fallback: str | None = None) -> YearRule:
    """`rule` moved by `delta` years; an empty window (start > end) collapses onto its end."""
    if shift == "none" or (delta == 0 and fallback is None):
        return rule if fallback is None else rule.model_copy(update={"fallback": fallback})
    end = _clip(rule.end + delta)
    if rule.rule == "exact":
        start = end
    elif shift == "end":
        start = min(rule.start, end)
    else:
        start = _clip(rule.start + delta)
    return YearRule(rule=rule.rule, start=start, end=end,
                    fallback=rule.fallback if fallback is None else fallback)


def _clip(year: int) -> int:
    return max(1900, min(2100, year))


def describe(rule: YearRule) -> str:
    if rule.rule == "exact":
        return f"exact {rule.end}"
    earlier = ", else latest earlier" if rule.fallback == "latest_earlier" else ""
    return f"{rule.rule} {rule.start}–{rule.end}{earlier}"


def input_series(ind: Indicator, transform: Transform | None = None,
                 series: str | None = None) -> list[str]:
    """The series a cell rests on: the indicator's and its denominator or multiplier."""
    tr = transform or ind.transform
    out = [series or ind.series]
    if tr.kind in DEFAULT_DENOMINATORS or tr.kind == "ratio":
        out.append(tr.denominator or DEFAULT_DENOMINATORS[tr.kind])
    if tr.kind == "product" and tr.multiplier:
        out.append(tr.multiplier)
    return out


def spec_units(spec: IndexSpec, units: Sequence[str] | str | None = None) -> list[str] | None:
    """The units whose coverage decides completeness (None = every unit in the data)."""
    from aidi.countries import GROUPS

    want = spec.units if units is None else units
    if isinstance(want, str):
        key = want.strip()
        if key.lower() == "all":
            return None
        groups = {k.upper(): v for k, v in GROUPS.items()}
        if key.upper() in groups:
            return list(groups[key.upper()])
        return [u.strip().upper() for u in key.split(",") if u.strip()]
    return [str(u).upper() for u in want]


def complete_years(observations: pd.DataFrame, units: Iterable[str] | None,
                   share: float) -> dict[str, int]:
    """series → latest complete year: the latest year reported by at least `share` of the
    units that report the series in any year (among `units`, or all units)."""
    obs = observations[["iso3", "year", "series"]]
    if units is not None:
        obs = obs[obs["iso3"].isin(list(units))]
    if obs.empty:
        return {}
    ever = obs.groupby("series")["iso3"].nunique()
    per_year = obs.groupby(["series", "year"])["iso3"].nunique().rename("n").reset_index()
    per_year["need"] = per_year["series"].map(ever) * share
    ok = per_year[per_year["n"] >= per_year["need"] - 1e-9]
    return {str(k): int(v) for k, v in ok.groupby("series")["year"].max().items()}


def latest_complete_year(observations: pd.DataFrame, series: Sequence[str],
                         units: Iterable[str] | None = None, share: float = 0.8) -> int | None:
    """The latest year complete for every one of `series` (None when one has no data)."""
    years = complete_years(observations[observations["series"].isin(list(series))], units,
                           share)
    if any(s not in years for s in series):
        return None
    return min(years[s] for s in series)


def edition_spec(spec: IndexSpec, edition: str | int | None, observations: pd.DataFrame,
                 units: Sequence[str] | str | None = None) -> tuple[IndexSpec, EditionNotes]:
    """The spec of `edition` (a year, `latest`, or None = as written) and how it was made.

    `observations` are needed only for `latest` (each series' latest complete year), `units`
    only to say whose coverage counts (default: the spec's units).
    """
    label = parse_edition(edition)
    base = base_year(spec) if (label is not None or _spec_has_base(spec)) else 0
    if label is None or is_base(spec, label):
        notes = EditionNotes(label or str(base or spec.edition), base, 0 if base else None,
                             tuple(_as_written(spec, i) for i in spec.indicators()))
        return spec, notes
    if label == LATEST:
        complete = complete_years(observations, spec_units(spec, units),
                                  spec.editions.complete_share)
        year, delta = None, None
    else:
        complete, year, delta = {}, int(label), int(label) - base
    changed: dict[str, Indicator] = {}
    notes_ind: list[IndicatorEdition] = []
    for ind in spec.indicators():
        new, note = _edition_indicator(spec, ind, year, delta, complete)
        changed[ind.id] = new
        notes_ind.append(note)
    out = spec.map_nodes(lambda n: changed.get(n.id, n) if isinstance(n, Indicator) else n)
    window = edition_window(spec, delta, [new.years for new in changed.values()])
    out = out.model_copy(update={"edition": label, "defaults":
                                 spec.defaults.model_copy(update={"years": window})})
    return out, EditionNotes(label, base, delta, tuple(notes_ind))


def edition_window(spec: IndexSpec, delta: int | None,
                   rules: Sequence[YearRule | None] = ()) -> YearRule:
    """The edition's own data window — the spec's default rule moved with the edition — against
    which every cell is judged (out of window, stale). `latest` (delta None) moves it to end
    where most indicators' windows now end (the later year on a tie)."""
    base = spec.defaults.years
    if delta is None:
        ends = pd.Series([r.end for r in rules if r is not None and r.rule != "exact"])
        if ends.empty:
            return base
        counts = ends.value_counts()
        delta = int(max(counts.index[counts == counts.max()])) - base.end
    return moved(base, delta)


def _as_written(spec: IndexSpec, ind: Indicator) -> IndicatorEdition:
    return IndicatorEdition(ind.id, ind.series, describe(spec.effective_years(ind)))


def _edition_indicator(spec: IndexSpec, ind: Indicator, year: int | None, delta: int | None,
                       complete: dict[str, int]) -> tuple[Indicator, IndicatorEdition]:
    er = ind.edition_rule or EditionRule()
    rule = spec.effective_years(ind)
    if year is not None and er.before is not None and year < er.before:
        if er.series is None:
            new_rule = moved(rule, delta or 0, er.shift, fallback="none")
            return (ind.model_copy(update={"years": new_rule}),
                    IndicatorEdition(ind.id, ind.series, describe(new_rule), "missing",
                                     er.note))
        tr = er.transform or Transform()
        new_rule = moved(er.years or rule, delta or 0, er.shift)
        return (ind.model_copy(update={"series": er.series, "years": new_rule, "transform": tr}),
                IndicatorEdition(ind.id, er.series, describe(new_rule), "stand-in", er.note))
    if year is None:  # latest: end the window at the latest complete year of every input
        last = [complete.get(s) for s in input_series(ind)]
        if any(v is None for v in last):
            return ind.model_copy(update={"years": rule}), IndicatorEdition(
                ind.id, ind.series, describe(rule), "missing", "no complete year in the data")
        delta = min(v for v in last if v is not None) - rule.end
    new_rule = moved(rule, delta or 0, er.shift)
    return ind.model_copy(update={"years": new_rule}), IndicatorEdition(
        ind.id, ind.series, describe(new_rule))
