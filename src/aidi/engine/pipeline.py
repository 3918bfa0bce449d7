"""One build: spec + tidy observations → an immutable `BuildResult` carrying every stage and a log.

The stages, each a pure function from `aidi.engine`:
select (year rule, transform) → screen units → impute → treat outliers → normalise →
aggregate up the tree → ranks and contributions.

Like a COINr "coin", the result keeps every intermediate table and a log of what each step did
to which cell, so any number can be explained; unlike a coin, it is never mutated — re-run
`build` with another spec (or `spec.model_copy(update=...)`) to get a variant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidi.countries import GROUPS, UnitPool, resolve_unit
from aidi.engine import guards, registry
from aidi.engine.aggregate import aggregate
from aidi.engine.aggregate import contributions as child_contributions
from aidi.engine.guards import safe_weights
from aidi.engine.impute import ancestors_at, impute_matrix
from aidi.engine.normalise import normalise_matrix
from aidi.engine.screen import availability, nonzero_share
from aidi.engine.screen import screen_mask as coinr_screen_mask
from aidi.engine.select_many import select_all
from aidi.engine.treat import treat_matrix
from aidi.engine.tree import CompiledTree, aggregate_tree, compile_tree, ranks
from aidi.errors import AidiError, InputError, UnknownUnitError
from aidi.specs.schema import IndexSpec

Progress = Callable[[str], None]

LOG_COLUMNS = ["step", "unit", "indicator", "code", "method", "before", "after", "detail"]


class ReferenceScreenedOut(AidiError, ValueError):
    """The reference unit (= 1) would be removed by the availability screen."""


class ReferenceHasNoValue(InputError):
    """The reference unit has no value at a node standardised to it (reference = 1)."""


@dataclass(frozen=True)
class LogEntry:
    """One thing a step did, as a record: `step` (select/screen/impute/treat/scenario), the
    unit and indicator it touched (empty = all), a machine-readable `code` (carried_forward,
    imputed, screened_out, winsorised, transformed, override, ...), the `method` used, the
    value `before` and `after` (NaN where not applicable), and a sentence for people."""

    step: str
    unit: str
    indicator: str
    detail: str
    code: str = ""
    method: str = ""
    before: float = float("nan")
    after: float = float("nan")


@dataclass(frozen=True)
class BuildResult:
    """Everything one build produced. DataFrames are indexed by unit (iso3) unless noted."""

    spec: IndexSpec
    units: tuple[str, ...]
    tree: CompiledTree
    data: pd.DataFrame            # indicator values after transform + year rule (pre-imputation)
    years: pd.DataFrame           # year label per cell ("2023", "2021–2023 mean", ...)
    numerators: pd.DataFrame      # raw series value used (NaN for window means)
    denominators: pd.DataFrame    # denominator value used (NaN if no denominator)
    imputed: pd.DataFrame         # after imputation
    imputed_mask: pd.DataFrame    # True where imputed (incl. latest-earlier-year fallback)
    treated: pd.DataFrame         # after outlier treatment
    normalised: pd.DataFrame      # after direction + normalisation
    scores: pd.DataFrame          # every aggregate node (columns = aggregate ids)
    ranks: pd.DataFrame           # 1 = best, per aggregate node
    contributions: pd.DataFrame   # long: iso3, parent, child, weight, method, child_value, contribution
    screened_out: tuple[str, ...] = ()
    log: tuple[LogEntry, ...] = field(default_factory=tuple)
    unit_info: pd.DataFrame | None = None
    year_from: pd.DataFrame | None = None   # first year each value rests on (NaN = none)
    year_to: pd.DataFrame | None = None     # last year each value rests on
    candidates: pd.DataFrame | None = None  # selected data of every unit past the raw screen
    candidate_info: pd.DataFrame | None = None

    @property
    def index(self) -> pd.Series:
        """The root node's score."""
        return self.scores[self.tree.root]

    def relative_scores(self) -> pd.DataFrame:
        """Every aggregate divided by the reference unit's value (reference = 1).

        Standardised nodes already are; for the others this is a presentation of the same
        number on the reference scale ("relative to the USA"), as the source's figures show
        every item. Without a reference unit the scores are returned unchanged.
        """
        ref = self.spec.reference
        if ref is None or ref not in self.scores.index:
            return self.scores
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.scores / self.scores.loc[ref]

    def values(self) -> pd.DataFrame:
        """Normalised indicators and aggregate scores side by side (columns = all node ids)."""
        return pd.concat([self.normalised, self.scores], axis=1)

    def log_frame(self) -> pd.DataFrame:
        return pd.DataFrame([e.__dict__ for e in self.log], columns=LOG_COLUMNS)


def _groups() -> dict[str, tuple[str, ...]]:
    return {k.upper(): v for k, v in GROUPS.items()}


def resolve_units(spec: IndexSpec, observations: pd.DataFrame,
                  units: Sequence[str] | str | None = None,
                  listed: Sequence[str] = ()) -> list[str]:
    """Units to build: an explicit list (codes or names), a group name (`TARGET_20`, `G20`),
    or `all`; every code is checked against the units the data has (`UnknownUnitError`
    with the closest matches otherwise), and the reference unit is always included.
    `listed`: units the data's own table names even with every value missing (a COINr iData
    row of NAs) — they are built, with nothing to score them on, not called unknown."""
    want = spec.units if units is None else units
    have = UnitPool.of([*observations["iso3"].astype(str).unique().tolist(),
                        *map(str, listed)])
    if isinstance(want, str):
        key = want.strip()
        if key.lower() == "all":
            series = {i.series for i in spec.indicators()}
            present = observations.loc[observations["series"].isin(series), "iso3"].unique()
            out = sorted(str(u) for u in present)
        elif key.upper() in _groups():
            out = list(_groups()[key.upper()])
        else:
            parts = [u for u in key.split(",") if u.strip()]
            if not parts:
                raise UnknownUnitError("no units given; name ISO3 codes (USA,CHN), a group "
                                       f"({', '.join(sorted(GROUPS))}) or all")
            out = [resolve_unit(u, allowed=have) for u in parts]
    else:
        out = [resolve_unit(str(u), allowed=have) for u in want]
    if spec.reference:
        ref = resolve_unit(spec.reference, allowed=have)
        if ref not in out:
            out.insert(0, ref)
    dup = sorted(u for u, k in Counter(out).items() if k > 1)
    if dup:
        raise InputError(f"unit(s) {', '.join(dup)} requested more than once")
    return out


def resolved_reference(spec: IndexSpec, observations: pd.DataFrame) -> IndexSpec:
    """The spec with its reference unit spelled as the data spells it (`usa` → `USA`)."""
    if not spec.reference:
        return spec
    ref = resolve_unit(spec.reference, allowed=observations["iso3"].astype(str).unique())
    return spec if ref == spec.reference else spec.model_copy(update={"reference": ref})


@dataclass(frozen=True)
class Selected:
    """The `select` step's output: one value per (unit, indicator) and where it came from."""

    data: pd.DataFrame         # after transform + year rule
    years: pd.DataFrame        # year label per cell
    year_from: pd.DataFrame    # first year the value rests on (NaN = no value)
    year_to: pd.DataFrame      # last year the value rests on
    numerators: pd.DataFrame
    denominators: pd.DataFrame
    carried: pd.DataFrame      # bool: latest-earlier-year fallback
    log: tuple[LogEntry, ...]
    reader_filled: pd.DataFrame | None = None  # bool: a value the reader wrote (bound, 0-fill)


@dataclass(frozen=True)
class Prepared:
    """The per-indicator steps' output (impute → screen on imputed → treat → normalise) for the
    units that survive; `keep` is the mask over the units given to `prepare`."""

    keep: np.ndarray
    imputed: np.ndarray
    imputed_mask: np.ndarray
    treated: np.ndarray
    normalised: np.ndarray
    log: tuple[LogEntry, ...]


def select(spec: IndexSpec, observations: pd.DataFrame, unit_list: list[str]) -> Selected:
    """Transform every indicator's series and apply its year rule — all indicators at once
    (`aidi.engine.select_many`; the rules are stated per indicator in `aidi.engine.select`)."""
    inds = spec.indicators()
    ids = [i.id for i in inds]
    sel = select_all(spec, observations, unit_list)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=unit_list, columns=ids)

    log = []
    for r, j in zip(*np.nonzero(sel.carried), strict=True):
        rule = spec.effective_years(inds[j])
        log.append(LogEntry("select", unit_list[r], ids[j],
                            f"no value in {rule.start}–{rule.end}; used {sel.label[r, j]}",
                            code="carried_forward", after=float(sel.value[r, j])))
    hi = frame(sel.year_to)
    filled = _reader_filled(spec, observations, unit_list, hi)
    return Selected(frame(sel.value), frame(sel.label), frame(sel.year_from), hi,
                    frame(sel.numerator), frame(sel.denominator),
                    frame(sel.carried).astype(bool), tuple(log), filled)


#: Companion series a reader writes beside values it did not measure (see
#: `aidi.sources.raw._fills`): a 0 for an economy absent from a census file, the smallest
#: listed value for one absent from a top-N list.
READER_FILL_SUFFIXES = (".zero_filled", ".upper_bound")


def _reader_filled(spec: IndexSpec, observations: pd.DataFrame, units: list[str],
                   year_to: pd.DataFrame) -> pd.DataFrame:
    """True where an indicator's value rests on a reader-written value: the marker series has
    a row for that economy in the last year the value uses."""
    out = pd.DataFrame(False, index=units, columns=year_to.columns)
    wanted = {ind.series + suf: ind.id for ind in spec.indicators()
              for suf in READER_FILL_SUFFIXES}
    marks = observations[observations["series"].isin(list(wanted))]
    for series, rows in marks.groupby("series"):
        col = wanted[str(series)]
        years = year_to[col]
        hit = rows[rows["iso3"].isin(units)]
        keys = set(zip(hit["iso3"], hit["year"].astype(int), strict=True))
        out[col] = [(u, int(y)) in keys if pd.notna(y) else False
                    for u, y in years.items()]
    return out


def prepare(data: np.ndarray, units: Sequence[str], spec: IndexSpec,
            info: pd.DataFrame | None, *, impute: Sequence[object] | None = None,
            treat: Sequence[object] | None = None,
            normalise: Sequence[object] | None = None, with_log: bool = True) -> Prepared:
    """Impute → (screen on imputed data) → treat → normalise, for the units given.

    The one implementation of the per-indicator steps: `build` runs it with the spec's
    settings, and the batch analyses run it once per level of an uncertain choice
    (`impute`/`treat`/`normalise` override the spec's per-indicator settings), so a variant
    equals a full rebuild with that choice by construction. `with_log=False` skips writing the
    log sentences (the batch path needs only the numbers).
    """
    inds = spec.indicators()
    ids = [i.id for i in inds]
    unit_list = list(units)
    log: list[LogEntry] = []
    x = np.asarray(data, dtype=float)
    missing = np.isnan(x)
    settings = list(impute) if impute is not None else [spec.effective_impute(i) for i in inds]
    directions = np.array([i.direction for i in inds], dtype=float)
    # the row methods min–max scale each column by its direction before the row statistic
    levels = {s.group_level for s in settings if getattr(s, "group_level", None)}
    lineage = {lv: ancestors_at(spec.parent_of(), ids, lv) for lv in levels} or None
    with guards.step_errors("impute", spec.id):
        imputed = impute_matrix(x, settings, info, ids, directions=directions,
                                lineage=lineage)
    imputed = np.where(missing & ~sibling_has_data(x, settings, spec), np.nan, imputed)
    guards.check_finite("impute", imputed, ids, unit_list, spec.id)
    filled = missing & ~np.isnan(imputed)
    if with_log:
        for r, j in zip(*np.nonzero(filled), strict=True):
            imp = settings[j]
            where = f" of group {info[imp.group].iloc[r]}" if imp.group and info is not None \
                else ""
            log.append(LogEntry("impute", unit_list[r], ids[j],
                                f"missing; filled with the {imp.method}{where}: "
                                f"{imputed[r, j]:.6g}", code="imputed", method=imp.method,
                                after=float(imputed[r, j])))
    keep = np.ones(len(unit_list), dtype=bool)
    screen = spec.screen
    if screen.active and screen.on == "imputed":
        keep = screen_mask(imputed, unit_list, spec, log if with_log else None,
                           " after imputation")
        imputed, filled = imputed[keep], filled[keep]
        unit_list = [u for u, k in zip(unit_list, keep, strict=True) if k]
        info = info.reindex(unit_list) if info is not None else None
    t_settings = list(treat) if treat is not None else [spec.effective_treat(i) for i in inds]
    with guards.step_errors("treat", spec.id):
        treated, records = treat_matrix(imputed, t_settings, ids)
    guards.check_finite("treat", treated, ids, unit_list, spec.id)
    if with_log:
        log.extend(_treat_log(records, imputed, treated, unit_list, ids))
    n_settings = list(normalise) if normalise is not None else \
        _effective_normalisers(spec, inds)
    for ind_id, note in guards.check_targets(treated, n_settings, directions, ids, spec.id):
        if with_log:
            log.append(LogEntry("normalise", "", ind_id, note, code="target_passed"))
    with guards.step_errors("normalise", spec.id):
        normalised = normalise_matrix(treated, n_settings, directions, unit_list, ids)
    guards.check_finite("normalise", normalised, ids, unit_list, spec.id)
    return Prepared(keep, imputed, filled, treated, normalised, tuple(log))


def sibling_has_data(x: np.ndarray, settings: Sequence[object], spec: IndexSpec) -> np.ndarray:
    """Cells an imputation may fill: every cell, except that an indicator whose imputation has
    `scope: dimension_with_data` is filled only for units with a measured value for another
    indicator of the same parent (see `aidi.specs.schema.Impute`)."""
    ok = np.ones(x.shape, dtype=bool)
    scoped = [j for j, s in enumerate(settings)
              if getattr(s, "scope", "all") == "dimension_with_data"]
    if not scoped:
        return ok
    ids = [i.id for i in spec.indicators()]
    parent = spec.parent_of()
    measured = ~np.isnan(x)
    for j in scoped:
        sibs = [k for k, i in enumerate(ids) if k != j and parent.get(i) == parent.get(ids[j])]
        ok[:, j] = measured[:, sibs].any(axis=1) if sibs else False
    return ok


def _effective_normalisers(spec: IndexSpec, inds) -> list:
    """Each indicator's normalisation (`spec.effective_normalise`), worked out once per
    distinct setting and calibrated fields — thousands of indicators share the default."""
    done: dict[tuple, object] = {}
    out = []
    for ind in inds:
        own = ind.normalise or spec.defaults.normalise
        fields = spec.calibration.settings_for(ind.id) if spec.calibration is not None else {}
        key = (id(own), tuple(sorted((k, repr(v)) for k, v in (fields or {}).items())))
        if key not in done:
            done[key] = spec.effective_normalise(ind)
        out.append(done[key])
    return out


def _treat_log(records, imputed: np.ndarray, treated: np.ndarray, units: list[str],
               ids: list[str]) -> list[LogEntry]:
    log = []
    for rec in records:
        ind_id = ids[rec.column]
        for side, rows in (("low", rec.winsorised_low), ("high", rec.winsorised_high)):
            for r in rows:
                log.append(LogEntry("treat", units[r], ind_id,
                                    f"winsorised ({side} tail): {imputed[r, rec.column]:.6g} → "
                                    f"{treated[r, rec.column]:.6g}", code="winsorised",
                                    before=float(imputed[r, rec.column]),
                                    after=float(treated[r, rec.column])))
        if rec.transformed:
            log.append(LogEntry("treat", "", ind_id, f"{rec.transformed} transform (skew "
                                f"{rec.skew_before:.2f}, kurtosis {rec.kurt_before:.2f} → "
                                f"{rec.skew_after:.2f}, {rec.kurt_after:.2f})",
                                code="transformed", method=rec.transformed))
        for note in rec.notes:
            log.append(LogEntry("treat", "", ind_id, note, code="note"))
    return log


def _screen_raw(spec: IndexSpec, sel, data: pd.DataFrame, carried: pd.DataFrame,
                unit_list: list[str], log: list[LogEntry]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screen units by availability on the raw values (aidi's default), before imputation;
    (data, carried) of the units kept."""
    screen = spec.screen
    if not (screen.active and screen.on == "raw"):
        return data, carried
    # the screen counts measured values only: a reader-written bound or 0-fill is no data
    measured = data.where(~sel.reader_filled.reindex(data.index).fillna(False).astype(bool))
    keep = screen_mask(measured.to_numpy(dtype=float), unit_list, spec, log, "")
    return data[keep], carried[keep]


def _aggregate(spec: IndexSpec, normalised: np.ndarray, ids: list[str], unit_list: list[str],
               log: list[LogEntry]):
    """Up the tree: (tree, scores, ranks, contributions), with the reference and rank checks
    and the unranked units logged."""
    tree = compile_tree(spec, ids)
    ref = unit_list.index(spec.reference) if spec.reference in unit_list else None
    with guards.step_errors("aggregate", spec.id):
        values = aggregate_tree(normalised, tree, ref, units=unit_list)
    agg = values[:, len(ids):]
    _check_reference_scale(values, tree, ref, spec)
    _check_reference(agg, tree, ref, spec)
    rank_arr = ranks(agg)
    guards.check_ranks(agg, rank_arr, tree.aggregate_ids, unit_list, spec.id)
    log.extend(_unranked(agg[:, -1], unit_list, tree.root))
    scores = pd.DataFrame(agg, index=unit_list, columns=list(tree.aggregate_ids))
    rank_df = pd.DataFrame(rank_arr, index=unit_list, columns=list(tree.aggregate_ids))
    return tree, scores, rank_df, _contributions(values, tree, unit_list, ref)


def build(spec: IndexSpec, observations: pd.DataFrame,
          units: Sequence[str] | str | None = None, unit_info: pd.DataFrame | None = None,
          progress: Progress | None = None,
          data_override: pd.DataFrame | None = None) -> BuildResult:
    """Run the whole build; see the module docstring for the steps.

    `data_override` (units × indicators, NaN = keep) replaces selected indicator values before
    imputation — how scenarios ("what if Japan had the USA's compute?") are expressed; every
    replaced cell is logged.
    """
    say = progress or (lambda _msg: None)
    guards.check_references(spec)
    spec = resolved_reference(spec, observations)
    if units is not None and not isinstance(units, str) and len(units) == 0:
        raise UnknownUnitError("no units given (an empty list): name ISO3 codes (USA,CHN), "
                               f"a group ({', '.join(sorted(GROUPS))}) or all")
    unit_list = resolve_units(spec, observations, units,
                              listed=list(unit_info.index) if unit_info is not None else ())
    ids = [i.id for i in spec.indicators()]

    say("selecting data")
    with guards.step_errors("select", spec.id):
        sel = select(spec, observations, unit_list)
    log: list[LogEntry] = list(sel.log)
    data, year_df, carried_df = sel.data, sel.years, sel.carried
    if data_override is not None:
        data = _apply_override(data, data_override, log)

    data, carried_df = _screen_raw(spec, sel, data, carried_df, unit_list, log)
    if len(data) != len(unit_list):
        unit_list = list(data.index)
    candidates = data
    info = unit_info.reindex(unit_list) if unit_info is not None else None

    say("imputing, treating, normalising")
    prep = prepare(data.to_numpy(dtype=float), unit_list, spec, info)
    log.extend(prep.log)
    if not prep.keep.all():
        data, carried_df = data[prep.keep], carried_df[prep.keep]
        unit_list = list(data.index)
        info = info.reindex(unit_list) if info is not None else None
    kept_units = set(unit_list)
    screened_out = [u for u in sel.data.index if u not in kept_units]
    imputed_mask = pd.DataFrame(prep.imputed_mask, index=unit_list, columns=ids) | carried_df

    say("aggregating")
    tree, scores, rank_df, contrib = _aggregate(spec, prep.normalised, ids, unit_list, log)

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.reindex(unit_list)

    return BuildResult(
        spec=spec, units=tuple(unit_list), tree=tree, data=data, years=kept(year_df),
        numerators=kept(sel.numerators), denominators=kept(sel.denominators),
        imputed=pd.DataFrame(prep.imputed, index=unit_list, columns=ids),
        imputed_mask=imputed_mask,
        treated=pd.DataFrame(prep.treated, index=unit_list, columns=ids),
        normalised=pd.DataFrame(prep.normalised, index=unit_list, columns=ids),
        scores=scores, ranks=rank_df, contributions=contrib,
        screened_out=tuple(screened_out), log=tuple(log), unit_info=info,
        year_from=kept(sel.year_from), year_to=kept(sel.year_to), candidates=candidates,
        candidate_info=unit_info.reindex(list(candidates.index)) if unit_info is not None
        else None)


def screen_mask(x: np.ndarray, units: Sequence[str], spec: IndexSpec,
                log: list[LogEntry] | None, when: str) -> np.ndarray:
    """Mask of the units kept by the screen (`aidi.engine.screen.screen_mask`: availability,
    zeros, forced units); logs every unit removed."""
    sc = spec.screen
    threshold = sc.min_availability
    avail = availability(x)
    try:
        keep = coinr_screen_mask(x, list(units), sc.unit_screen, threshold, sc.nonzero_thresh,
                                 sc.force_include, sc.force_exclude)
    except ValueError as exc:
        raise InputError(f"screen: {exc}") from None
    nonzero = nonzero_share(x)
    for u, a, nz in zip(np.asarray(units)[~keep], avail[~keep], nonzero[~keep], strict=True):
        if u in sc.force_exclude and u != spec.reference:
            if log is not None:
                log.append(LogEntry("screen", str(u), "", "removed by force (Force: Include = "
                                    "FALSE)", code="screened_out", after=float(a)))
            continue
        zeros = sc.unit_screen != "byNA" and nz < sc.nonzero_thresh
        if zeros and u != spec.reference:
            if log is not None:
                log.append(LogEntry("screen", str(u), "", f"share of non-zero values{when} "
                                    f"{nz:.1%} < {sc.nonzero_thresh:.0%}: unit removed",
                                    code="screened_out", after=float(nz)))
            continue
        if u == spec.reference:
            raise ReferenceScreenedOut(f"reference unit {u} fails the availability screen "
                                       f"({a:.0%} < {threshold:.0%}); lower "
                                       "`screen.min_availability` or choose another reference")
        if log is not None:
            log.append(LogEntry("screen", str(u), "", f"data availability{when} {a:.1%} < "
                                f"{threshold:.0%}: unit removed", code="screened_out",
                                after=float(a)))
    if log is not None:
        log.append(LogEntry("screen", "", "", f"{int(keep.sum())} of {len(units)} units kept "
                            f"(data availability{when} ≥ {threshold:.0%})", code="summary"))
    return keep


def _check_reference(agg: np.ndarray, tree: CompiledTree, ref: int | None,
                     spec: IndexSpec) -> None:
    """A node standardised to the reference (= 1) needs the reference's own value there."""
    if ref is None:
        return
    for k, node in enumerate(tree.nodes):
        if node.standardise == "ratio" and not np.isfinite(agg[ref, k]):
            raise ReferenceHasNoValue(f"reference unit {spec.reference} has no value for "
                             f"{node.id!r}, which is standardised to it (= 1): every unit's "
                             f"{node.id} would be missing. Choose a reference with data for "
                             "every pillar (spec field `reference`)")


def _check_reference_scale(values: np.ndarray, tree: CompiledTree, ref: int | None,
                           spec: IndexSpec) -> None:
    """A node standardised to the reference divides by the reference's own (raw) score:
    it must be finite and positive (`aidi.engine.guards.check_reference_scale`)."""
    if ref is None:
        return
    for k, node in enumerate(tree.nodes):
        if node.standardise == "ratio":
            guards.check_reference_scale(_unstandardised_ref(values, tree, k, ref), node.id,
                                         str(spec.reference), spec.id)


def _unranked(index: np.ndarray, units: list[str], root: str) -> list[LogEntry]:
    """A unit without an index score is left unranked — and said so in the log."""
    return [LogEntry("rank", u, root, "no index score (too few values at some node): "
                     "left unranked", code="unranked")
            for u, v in zip(units, index, strict=True) if np.isnan(v)]


def _apply_override(data: pd.DataFrame, override: pd.DataFrame,
                    log: list[LogEntry]) -> pd.DataFrame:
    unknown = set(override.columns) - set(data.columns)
    if unknown:
        raise ValueError(f"override names unknown indicators {sorted(unknown)}")
    ov = override.reindex(index=data.index, columns=data.columns)
    out = data.where(ov.isna(), ov)
    for (unit, ind), value in ov.stack().dropna().items():
        log.append(LogEntry("scenario", str(unit), str(ind),
                            f"{data.loc[unit, ind]:.6g} → {value:.6g} (scenario)",
                            code="override", before=float(data.loc[unit, ind]),
                            after=float(value)))
    return out


def _contributions(values: np.ndarray, tree: CompiledTree, units: list[str],
                   ref: int | None) -> pd.DataFrame:
    """Long table of each child's contribution to its parent, per unit.

    For a standardised node (score ÷ reference's score) the raw contributions are divided by
    the reference's raw score too (arithmetic), or shifted by its log (geometric), so they still
    add up to the reported score (arithmetic) or its logarithm (geometric).
    """
    frames = []
    n_ind = len(tree.indicator_ids)
    codes = np.array(units, dtype=object)
    for k, node in enumerate(tree.nodes):
        child = values[:, list(node.child_cols)]
        p = dict(node.params).get("p")  # the generalised mean's exponent (None otherwise)
        ws = safe_weights(node.weights, node.id)
        c = child_contributions(child, ws, node.method, p=p)
        if node.standardise == "ratio" and ref is not None:
            if registry.method("aggregate", node.method).contributions == "log":
                # ln(score) = Σ wᵢ ln(xᵢ / x_ref,ᵢ) / Σw: each child's log-ratio to the reference
                c = c - child_contributions(child[ref:ref + 1], ws, node.method, p=p)
            else:
                c = c / _unstandardised_ref(values, tree, k, ref)
        w = ws / ws.sum() if ws.sum() > 0 else ws
        frames.append(pd.DataFrame({
            # object arrays of the same string objects: 8 bytes a row, not a string each
            "iso3": np.repeat(codes, len(node.children)),
            "parent": node.id,
            "child": np.tile(np.array(node.children, dtype=object), len(units)),
            "weight": np.tile(w, len(units)),
            "method": node.method,
            "child_value": child.ravel(),
            "contribution": c.ravel(),
            "parent_value": np.repeat(values[:, n_ind + k], len(node.children)),
        }))
    return pd.concat(frames, ignore_index=True)


def _unstandardised_ref(values: np.ndarray, tree: CompiledTree, k: int, ref: int) -> float:
    """The reference unit's score at node `k` before the ratio to itself (every unit is
    aggregated: Copeland and Mazziotta–Pareto compare units with each other)."""
    node = tree.nodes[k]
    raw = aggregate(values[:, list(node.child_cols)], safe_weights(node.weights), node.method,
                    _policy(node), node.offset, **dict(node.params))
    return float(raw[ref])


def _policy(node) -> str:
    """A zero child was already refused (or allowed) by the tree pass: here it gives 0."""
    return "zero" if node.nonpositive == "error" else node.nonpositive
