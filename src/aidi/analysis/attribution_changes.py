"""What differs between two builds, as named changes an attribution can switch one at a time.

A score is a function of the selected indicator values (units × indicators, after transform and
year rule) and of the spec steps after selection. Between two builds every difference falls in
exactly one named `Change`, in one of three parts:

- **data** — per dimension, the values of the indicators both builds define the same way: same
  series, transform and per-indicator methods, and a year rule that differs only by the regular
  move of an edition (edition 2024's "latest in 2021–2023" is edition 2023's "latest in
  2020–2022" moved a year). These cells change only because the observations did.
- **methodology** — everything else, one change per event: an indicator that *enters* or
  *leaves* (absent from a spec, or with no value at all in one build — an edition rule that
  leaves a single-year figure missing), a *stand-in* (an edition's replacement series, switched
  in or out), a *series switch* (series or transform), a *window* change (a year rule that is
  not the regular move), an *indicator method* (direction, imputation, treatment,
  normalisation of one indicator), a *node method* (aggregation, coverage rule,
  standardisation) and a changed *default*. An event indicator's cells switch with its event:
  its value under the new definition often exists only at the new time (the 2013–24 start-up
  total has no 2022 value), so its data change cannot be told apart from the definition change
  and is methodology, and said so.
- **weights** — every node weight within its parent.

`find_changes(a, b)` lists them; `merge_changes` regroups them under names a caller chooses
(by dimension, "indicator set", …) without losing any. Pure: specs, selected values and the
editions' years in, `Change` records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.errors import InputError, UsageError
from aidi.specs.editions import LATEST, base_year, describe, moved, parse_edition
from aidi.specs.schema import IndexSpec, Indicator, Node

PARTS = ("data", "methodology", "weights")
#: Kinds of change, in the order a combined event is named by (the first that applies).
KINDS = ("data", "enters", "leaves", "stand_in", "series_switch", "window", "indicator_method",
         "node_method", "default", "weights")
_INDICATOR_METHODS = ("direction", "impute", "treat", "normalise")
_DEFAULTS = ("impute", "treat", "normalise")


@dataclass(frozen=True)
class SeriesRef:
    """The series a definition reads: id, whether it is an edition's stand-in, and the
    transform (kind and the other series it multiplies or divides by)."""

    series: str
    stand_in: bool = False
    kind: str = "level"
    other: str | None = None


@dataclass(frozen=True)
class Fact:
    """One thing a change did, as data a presenter phrases in any language (`english` here,
    `aidi.report.attribution_report.change_text` in both). Codes: observations (ids),
    not_in_spec / reads (side, series, rule), no_value (side), series (a, b: SeriesRef),
    window (a, b: YearRule), moved (a, b: nodes), method / node / default (field, a, b),
    weight (node, a, b)."""

    code: str
    values: tuple[tuple[str, object], ...] = ()

    def __getitem__(self, key: str) -> object:
        return dict(self.values)[key]


def fact(code: str, **values: object) -> Fact:
    return Fact(code, tuple(values.items()))


def english(facts: Sequence[Fact]) -> str:
    """The facts as one English sentence (the `detail` of CSV files and the API)."""
    return "; ".join(_EN[f.code](f) for f in facts)


def series_text(ref: SeriesRef) -> str:
    op = {"product": " × ", "level": None}.get(ref.kind, " / ")
    text = ref.series + (" (stand-in)" if ref.stand_in else "")
    if ref.kind == "log":
        return f"log {text}"
    return text if op is None or ref.other is None else f"{text}{op}{ref.other}"


_EN = {
    "observations": lambda f: f"observations of {', '.join(f['ids'])}",
    "not_in_spec": lambda f: f"not in {f['side']}'s spec; {series_text(f['series'])}, "
                             f"{describe(f['rule'])}",
    "no_value": lambda f: f"no value in {f['side']}",
    "reads": lambda f: f"{f['side']} reads {series_text(f['series'])}, {describe(f['rule'])}",
    "series": lambda f: f"series {series_text(f['a'])} → {series_text(f['b'])}",
    "window": lambda f: f"window {describe(f['a'])} → {describe(f['b'])}",
    "moved": lambda f: f"moved from {f['a']} to {f['b']}",
    "method": lambda f: f"{f['field']} {f['a']} → {f['b']}",
    "node": lambda f: f"{f['field']} {f['a']} → {f['b']}",
    "default": lambda f: f"default {f['field']} {f['a']} → {f['b']}",
    "weight": lambda f: f"{f['node']} {f['a']:g} → {f['b']:g}",
}


@dataclass(frozen=True)
class Change:
    """One named difference between build A and build B, switched from A to B as a whole.

    `cells`: indicators whose selected values come from B once switched; `indicators`: whose
    definitions (presence in the tree, per-indicator methods) come from B; `nodes`: aggregates
    whose settings come from B; `settings`: spec defaults (`impute`, `treat`, `normalise`) and
    the spec's `calibration` (its fitted method parameters) from B; `weights`: nodes whose weight comes from B."""

    name: str
    part: str
    kind: str
    detail: str = ""            # in English (facts say it in any language)
    note: str = ""              # why, in the spec's words (an edition rule's note)
    cells: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    weights: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()

    def __post_init__(self) -> None:
        if self.part not in PARTS:
            raise InputError(f"change {self.name!r}: part must be one of {PARTS}, "
                             f"got {self.part!r}")

    def record(self) -> dict[str, str]:
        """The change as a table row (name, part, kind, indicators, detail)."""
        owned = self.indicators or self.cells or self.nodes or self.settings
        return {"change": self.name, "part": self.part, "kind": self.kind,
                "indicators": "|".join(owned), "detail": self.detail, "note": self.note}


# ---- the two sides -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Side:
    """What the detection needs of one build: spec, selected values, edition year."""

    spec: IndexSpec
    data: pd.DataFrame          # units × indicators, selected values (NaN = none)
    year: int | str | None      # edition year, LATEST, or None (unknown)


def edition_year(spec: IndexSpec, edition: str | None) -> int | str | None:
    """The year an edition's rules are written for: its label, `latest`, or the spec's base."""
    label = parse_edition(edition)
    if label == LATEST:
        return LATEST
    if label is not None:
        return int(label)
    try:
        return base_year(spec)
    except UsageError:
        return None


def _delta(a: Side, b: Side) -> int | None:
    """Years an edition moves rules by from A to B (None: any move — a `latest` side)."""
    if LATEST in (a.year, b.year):
        return None
    if isinstance(a.year, int) and isinstance(b.year, int):
        return b.year - a.year
    return 0


def regular_move(ind_a: Indicator, ind_b: Indicator, a: Side, b: Side) -> bool:
    """Whether B's year rule is A's moved the way editions move it (by B − A years; for a
    `latest` side by whatever brings the window's end to B's)."""
    ra, rb = a.spec.effective_years(ind_a), b.spec.effective_years(ind_b)
    delta = _delta(a, b)
    if delta is None:
        delta = rb.end - ra.end
    er = ind_b.edition_rule
    shift = er.shift if er is not None else "window"
    return moved(ra, delta, shift) == rb


# ---- detection -----------------------------------------------------------------------------------
def find_changes(a: Side, b: Side, dimension_of: Mapping[str, str]) -> list[Change]:
    """Every difference between A and B as atomic changes: data by dimension, one methodology
    change per indicator event, node method and default, and one weights change."""
    _check_trees(a.spec, b.spec)
    inds_a = {i.id: i for i in a.spec.indicators()}
    inds_b = {i.id: i for i in b.spec.indicators()}
    order = [*inds_b, *(i for i in inds_a if i not in inds_b)]
    events, common = [], []
    for iid in order:
        event = _indicator_event(iid, inds_a.get(iid), inds_b.get(iid), a, b)
        (events if event is not None else common).append(event or iid)
    data = _data_changes(common, dimension_of)
    methods = [*_node_changes(a.spec, b.spec), *_default_changes(a.spec, b.spec)]
    weights = _weight_change(a.spec, b.spec)
    return [*data, *events, *methods, *([weights] if weights else [])]


def _check_trees(spec_a: IndexSpec, spec_b: IndexSpec) -> None:
    if spec_a.reference != spec_b.reference:
        raise InputError(f"the builds have different reference units ({spec_a.reference} and "
                         f"{spec_b.reference}); scores relative to them cannot be compared")
    if [n.id for n in spec_a.aggregates()] != [n.id for n in spec_b.aggregates()]:
        raise InputError("the two specs have different trees of aggregates; the attribution "
                         "compares node by node, so both need the same index, pillars and "
                         "dimensions (indicators may differ)")


def _present(side: Side, iid: str) -> bool:
    if iid not in side.data.columns:
        return False
    return bool(np.isfinite(side.data[iid].to_numpy(dtype=float)).any())


def _indicator_event(iid: str, ia: Indicator | None, ib: Indicator | None, a: Side,
                     b: Side) -> Change | None:
    """The methodology change of one indicator, or None when it is defined the same way."""
    if ia is None or ib is None:
        kind = "enters" if ia is None else "leaves"
        ind, side = (ib, b) if ia is None else (ia, a)
        return _event(iid, kind, [fact("not_in_spec", side="A" if ia is None else "B",
                                       series=_ref(ind), rule=side.spec.effective_years(ind))])
    what = _differences(ia, ib, a, b)
    pa, pb = _present(a, iid), _present(b, iid)
    if pa != pb:
        side, ind = (b, ib) if pb else (a, ia)
        note = next((i.edition_rule.note for i in (ia, ib) if i.edition_rule is not None
                     and i.edition_rule.note), "")
        what = [fact("no_value", side="A" if pb else "B"), *what,
                fact("reads", side="B" if pb else "A", series=_ref(ind),
                     rule=side.spec.effective_years(ind))]
        return _event(iid, "enters" if pb else "leaves", what, note)
    if not what:
        return None
    rule = next((i.edition_rule for i in (ia, ib) if _stand_in(i)), None)
    codes = [f.code for f in what]
    kind = ("stand_in" if rule is not None else
            "series_switch" if "series" in codes else
            "window" if "window" in codes else "indicator_method")
    return _event(iid, kind, what, rule.note if rule is not None else "")


def _event(iid: str, kind: str, facts: Sequence[Fact], note: str = "") -> Change:
    return Change(iid, "methodology", kind, english(facts), note, cells=(iid,),
                  indicators=(iid,), facts=tuple(facts))


def _differences(ia: Indicator, ib: Indicator, a: Side, b: Side) -> list[Fact]:
    out = []
    if (ia.series, ia.transform) != (ib.series, ib.transform):
        out.append(fact("series", a=_ref(ia), b=_ref(ib)))
    pa, pb = a.spec.parent_of().get(ia.id), b.spec.parent_of().get(ib.id)
    if pa != pb:
        out.append(fact("moved", a=pa, b=pb))
    if not regular_move(ia, ib, a, b):
        out.append(fact("window", a=a.spec.effective_years(ia), b=b.spec.effective_years(ib)))
    for field in _INDICATOR_METHODS:
        va, vb = getattr(ia, field), getattr(ib, field)
        if va != vb:
            out.append(fact("method", field=field, a=_short(va), b=_short(vb)))
    return out


def _stand_in(ind: Indicator) -> bool:
    er = ind.edition_rule
    return er is not None and er.series is not None and ind.series == er.series


def _ref(ind: Indicator) -> SeriesRef:
    tr = ind.transform
    return SeriesRef(ind.series, _stand_in(ind), tr.kind, tr.multiplier or tr.denominator)


def _short(value: object) -> str:
    if value is None:
        return "default"
    method = getattr(value, "method", None)
    return str(method) if method is not None else str(value)


def _data_changes(common: Sequence[str], dimension_of: Mapping[str, str]) -> list[Change]:
    groups: dict[str, list[str]] = {}
    for iid in common:
        groups.setdefault(dimension_of.get(iid, iid), []).append(iid)
    out = []
    for dim, ids in groups.items():
        facts = (fact("observations", ids=tuple(ids)),)
        out.append(Change(dim, "data", "data", english(facts), cells=tuple(ids), facts=facts))
    return out


def _node_changes(spec_a: IndexSpec, spec_b: IndexSpec) -> list[Change]:
    nodes_a = {n.id: n for n in spec_a.aggregates()}
    out = []
    for nb in spec_b.aggregates():
        na = nodes_a[nb.id]
        what = tuple(fact("node", field=f, a=_node_setting(na, f), b=_node_setting(nb, f))
                     for f in ("aggregate", "standardise") if getattr(na, f) != getattr(nb, f))
        if what:
            out.append(Change(f"node:{nb.id}", "methodology", "node_method", english(what),
                              nodes=(nb.id,), facts=what))
    return out


def _node_setting(node: Node, field: str) -> str:
    value = getattr(node, field)
    if field == "aggregate":
        cover = value.dat_thresh if value.dat_thresh is not None else value.min_coverage
        return f"{value.method} (coverage {cover:g})"
    return str(value)


def _default_changes(spec_a: IndexSpec, spec_b: IndexSpec) -> list[Change]:
    da, db = spec_a.defaults, spec_b.defaults
    out = []
    for f in _DEFAULTS:
        if getattr(da, f) != getattr(db, f):
            facts = (fact("default", field=f, a=_short(getattr(da, f)),
                          b=_short(getattr(db, f))),)
            out.append(Change(f"default:{f}", "methodology", "default", english(facts),
                              settings=(f,), facts=facts))
    if spec_a.calibration != spec_b.calibration:
        facts = (fact("default", field="calibration", a=_calibration(spec_a),
                      b=_calibration(spec_b)),)
        out.append(Change("calibration", "methodology", "default", english(facts),
                          settings=("calibration",), facts=facts))
    return out


def _calibration(spec: IndexSpec) -> str:
    """A spec's calibration in a word: its procedure and fitted values, or "none"."""
    cal = spec.calibration
    if cal is None:
        return "none"
    return f"{cal.procedure} (" + ", ".join(f"{p.id} {p.value:g}" for p in cal.parameters) + ")"


def _weight_change(spec_a: IndexSpec, spec_b: IndexSpec) -> Change | None:
    from aidi.specs.schema import iter_nodes

    wa = {n.id: n.weight for n in iter_nodes(spec_a.root)}
    moved_ = [n.id for n in iter_nodes(spec_b.root) if n.id in wa and wa[n.id] != n.weight]
    if not moved_:
        return None
    facts = tuple(fact("weight", node=k, a=wa[k], b=spec_b.node(k).weight) for k in moved_)
    return Change("weights", "weights", "weights", english(facts), weights=tuple(moved_),
                  facts=facts)


# ---- regrouping ----------------------------------------------------------------------------------
def merge_changes(changes: Sequence[Change], groups: Mapping[str, Iterable[str]]) -> list[Change]:
    """The changes with some merged: `groups` maps a new name to the names it takes in (all
    of one part). Changes not named keep their own name; none is lost or counted twice."""
    by_name = {c.name: c for c in changes}
    taken: set[str] = set()
    merged: list[Change] = []
    for new, names in groups.items():
        parts = [by_name[n] for n in names if _known(n, by_name)]
        if len({c.part for c in parts}) > 1:
            raise InputError(f"merged change {new!r} mixes parts "
                             f"{sorted({c.part for c in parts})}; merge within one part")
        taken |= {c.name for c in parts}
        if parts:
            merged.append(_union(new, parts))
    return [*merged, *(c for c in changes if c.name not in taken)]


def by_dimension(changes: Sequence[Change], dimension_of: Mapping[str, str]) -> list[Change]:
    """The changes with every indicator event of a dimension merged into one methodology
    change, `definitions:<dimension>`. Two specs often swap a dimension's indicators (one
    leaves, another enters): switched one at a time, a mix can empty the dimension, leaving
    its pillar without a score and the event's share undefined; switched together, the
    dimension goes from A's definition to B's at once."""
    groups: dict[str, list[str]] = {}
    for c in changes:
        dims = {dimension_of.get(i, i) for i in c.indicators}
        if c.part == "methodology" and len(dims) == 1:
            groups.setdefault(f"definitions:{dims.pop()}", []).append(c.name)
    return merge_changes(changes, {k: v for k, v in groups.items()})


def _known(name: str, by_name: Mapping[str, Change]) -> bool:
    if name not in by_name:
        raise InputError(f"no change named {name!r}; changes: {', '.join(by_name)}")
    return True


def _union(name: str, parts: Sequence[Change]) -> Change:
    kinds = [c.kind for c in parts]
    kind = next((k for k in KINDS if k in kinds), kinds[0])

    def cat(field: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for c in parts for x in getattr(c, field)))

    return Change(name, parts[0].part, kind, "; ".join(f"{c.name}: {c.detail}" for c in parts),
                  "; ".join(c.note for c in parts if c.note), cat("cells"), cat("indicators"),
                  cat("nodes"), cat("settings"), cat("weights"),
                  tuple(f for c in parts for f in c.facts))


def check_cover(changes: Sequence[Change], atoms: Sequence[Change]) -> None:
    """Raise unless `changes` switch every difference in `atoms`, each exactly once."""
    for field in ("cells", "indicators", "nodes", "settings", "weights"):
        seen: dict[str, str] = {}
        for c in changes:
            for x in getattr(c, field):
                if x in seen:
                    raise InputError(f"{field[:-1]} {x!r} is switched by both {seen[x]!r} and "
                                     f"{c.name!r}; each difference belongs to one change")
                seen[x] = c.name
        need = {x for c in atoms for x in getattr(c, field)}
        lost = sorted(need - set(seen))
        if lost:
            raise InputError(f"no change switches the {field} {lost}; the parts would not sum "
                             "to the change — add them to a change (see find_changes)")
