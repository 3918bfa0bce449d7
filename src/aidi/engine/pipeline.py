"""One build: spec + tidy observations → an immutable `BuildResult` carrying every stage and a log.

The stages, each a pure function from `aidi.engine`:
select (year rule, transform) → screen units → impute → treat outliers → normalise →
aggregate up the tree → ranks and contributions.

Like a COINr "coin", the result keeps every intermediate table and a log of what each step did
to which cell, so any number can be explained; unlike a coin, it is never mutated — re-run
`build` with another spec (or `spec.model_copy(update=...)`) to get a variant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidi.engine.aggregate import contributions as child_contributions
from aidi.engine.impute import impute_matrix
from aidi.engine.normalise import normalise_matrix
from aidi.engine.screen import availability
from aidi.engine.select import apply_year_rule, transformed_panel
from aidi.engine.treat import treat_matrix
from aidi.engine.tree import CompiledTree, aggregate_tree, compile_tree, ranks
from aidi.specs.schema import IndexSpec

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LogEntry:
    """One thing a step did: `step` (select/screen/impute/treat/normalise/aggregate), the unit
    and indicator it touched (empty = all), and a sentence."""

    step: str
    unit: str
    indicator: str
    detail: str


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
        return pd.DataFrame([e.__dict__ for e in self.log],
                            columns=["step", "unit", "indicator", "detail"])


def _groups() -> dict[str, tuple[str, ...]]:
    from aidi.countries import GROUPS

    return {k.upper(): v for k, v in GROUPS.items()}


def resolve_units(spec: IndexSpec, observations: pd.DataFrame,
                  units: Sequence[str] | str | None = None) -> list[str]:
    """Units to build: an explicit list, a group name (`TARGET_20`, `G20`), or `all`."""
    want = spec.units if units is None else units
    if isinstance(want, str):
        key = want.strip()
        if key.lower() == "all":
            series = {i.series for i in spec.indicators()}
            have = observations.loc[observations["series"].isin(series), "iso3"].unique()
            out = sorted(str(u) for u in have)
        elif key.upper() in _groups():
            out = list(_groups()[key.upper()])
        else:
            out = [u.strip().upper() for u in key.split(",") if u.strip()]
    else:
        out = [str(u).upper() for u in want]
    if spec.reference and spec.reference not in out:
        out.insert(0, spec.reference)
    if len(set(out)) != len(out):
        raise ValueError("duplicate units requested")
    return out


def build(spec: IndexSpec, observations: pd.DataFrame,
          units: Sequence[str] | str | None = None, unit_info: pd.DataFrame | None = None,
          progress: Progress | None = None,
          data_override: pd.DataFrame | None = None) -> BuildResult:
    """Run the whole build; see the module docstring for the stages.

    `data_override` (units × indicators, NaN = keep) replaces selected indicator values before
    imputation — how scenarios ("what if Japan had the USA's compute?") are expressed; every
    replaced cell is logged.
    """
    say = progress or (lambda _msg: None)
    unit_list = resolve_units(spec, observations, units)
    inds = spec.indicators()
    ids = [i.id for i in inds]
    log: list[LogEntry] = []

    # --- select: transform + year rule -----------------------------------------------------
    say("selecting data")
    cols, years, nums, dens, carried = {}, {}, {}, {}, {}
    for ind in inds:
        trans, num, den = transformed_panel(observations, ind.series, ind.transform, unit_list)
        sel = apply_year_rule(trans, num, den, spec.effective_years(ind))
        cols[ind.id], years[ind.id] = sel.value, sel.year_label
        nums[ind.id], dens[ind.id], carried[ind.id] = sel.numerator, sel.denominator, \
            sel.carried_forward
        for u in sel.carried_forward.index[sel.carried_forward.to_numpy()]:
            log.append(LogEntry("select", u, ind.id,
                                f"no value in {spec.effective_years(ind).start}–"
                                f"{spec.effective_years(ind).end}; used {sel.year_label[u]}"))
    data = pd.DataFrame(cols, index=unit_list)[ids]
    year_df = pd.DataFrame(years, index=unit_list)[ids]
    carried_df = pd.DataFrame(carried, index=unit_list)[ids].astype(bool)
    if data_override is not None:
        data = _apply_override(data, data_override, log)

    # --- screen units by availability (on the raw values: aidi's default) -------------------
    screened_out: list[str] = []
    screen = spec.screen
    if screen.min_availability > 0 and screen.on == "raw":
        keep = _screen(data.to_numpy(dtype=float), unit_list, spec, screened_out, log, "")
        data, year_df, carried_df = data[keep], year_df[keep], carried_df[keep]
        unit_list = list(data.index)
    info = unit_info.reindex(unit_list) if unit_info is not None else None

    # --- impute ----------------------------------------------------------------------------
    say("imputing")
    x = data.to_numpy(dtype=float)
    missing = np.isnan(x)
    settings = [spec.effective_impute(i) for i in inds]
    imputed = impute_matrix(x, settings, info, ids)
    for r, j in zip(*np.nonzero(missing & ~np.isnan(imputed)), strict=True):
        imp = settings[j]
        where = f" of group {info[imp.group].iloc[r]}" if imp.group else ""
        log.append(LogEntry("impute", unit_list[r], ids[j],
                            f"missing; filled with the {imp.method}{where}: "
                            f"{imputed[r, j]:.6g}"))
    imputed_mask = pd.DataFrame(missing & ~np.isnan(imputed), index=unit_list, columns=ids) | \
        carried_df

    # --- or screen after imputation (COINr's documented order: Screen(dset = "Imputed")) ---
    if screen.min_availability > 0 and screen.on == "imputed":
        keep = _screen(imputed, unit_list, spec, screened_out, log, " after imputation")
        data, year_df, carried_df = data[keep], year_df[keep], carried_df[keep]
        imputed, imputed_mask = imputed[keep], imputed_mask[keep]
        unit_list = list(data.index)
        info = info.reindex(unit_list) if info is not None else None

    # --- treat outliers ---------------------------------------------------------------------
    say("treating outliers")
    treated, records = treat_matrix(imputed, [spec.effective_treat(i) for i in inds])
    for rec in records:
        ind_id = ids[rec.column]
        for side, rows in (("low", rec.winsorised_low), ("high", rec.winsorised_high)):
            for r in rows:
                log.append(LogEntry("treat", unit_list[r], ind_id,
                                    f"winsorised ({side} tail): {imputed[r, rec.column]:.6g} → "
                                    f"{treated[r, rec.column]:.6g}"))
        if rec.transformed:
            log.append(LogEntry("treat", "", ind_id, f"{rec.transformed} transform (skew "
                                f"{rec.skew_before:.2f}, kurtosis {rec.kurt_before:.2f} → "
                                f"{rec.skew_after:.2f}, {rec.kurt_after:.2f})"))
        for note in rec.notes:
            log.append(LogEntry("treat", "", ind_id, note))

    # --- normalise --------------------------------------------------------------------------
    say("normalising")
    directions = np.array([i.direction for i in inds], dtype=float)
    norm_settings = [spec.effective_normalise(i) for i in inds]
    normalised = normalise_matrix(treated, norm_settings, directions, unit_list, ids)

    # --- aggregate ---------------------------------------------------------------------------
    say("aggregating")
    tree = compile_tree(spec, ids)
    ref = unit_list.index(spec.reference) if spec.reference in unit_list else None
    values = aggregate_tree(normalised, tree, ref, units=unit_list)
    agg = values[:, len(ids):]
    scores = pd.DataFrame(agg, index=unit_list, columns=list(tree.aggregate_ids))
    rank_df = pd.DataFrame(ranks(agg), index=unit_list, columns=list(tree.aggregate_ids))
    contrib = _contributions(values, tree, unit_list, ref)

    return BuildResult(
        spec=spec, units=tuple(unit_list), tree=tree, data=data, years=year_df,
        numerators=pd.DataFrame(nums, index=data.index)[ids].reindex(unit_list),
        denominators=pd.DataFrame(dens, index=data.index)[ids].reindex(unit_list),
        imputed=pd.DataFrame(imputed, index=unit_list, columns=ids), imputed_mask=imputed_mask,
        treated=pd.DataFrame(treated, index=unit_list, columns=ids),
        normalised=pd.DataFrame(normalised, index=unit_list, columns=ids),
        scores=scores, ranks=rank_df, contributions=contrib,
        screened_out=tuple(screened_out), log=tuple(log), unit_info=info)


def _screen(x: np.ndarray, units: list[str], spec: IndexSpec, screened_out: list[str],
            log: list[LogEntry], when: str) -> np.ndarray:
    """Mask of the units kept by the availability screen; logs every unit removed."""
    threshold = spec.screen.min_availability
    avail = availability(x)
    keep = avail >= threshold - 1e-12
    for u, a in zip(np.asarray(units)[~keep], avail[~keep], strict=True):
        if u == spec.reference:
            raise ValueError(f"reference unit {u} fails the availability screen ({a:.0%})")
        screened_out.append(str(u))
        log.append(LogEntry("screen", str(u), "", f"data availability{when} {a:.1%} < "
                            f"{threshold:.0%}: unit removed"))
    log.append(LogEntry("screen", "", "", f"{int(keep.sum())} of {len(units)} units kept "
                        f"(data availability{when} ≥ {threshold:.0%})"))
    return keep


def _apply_override(data: pd.DataFrame, override: pd.DataFrame,
                    log: list[LogEntry]) -> pd.DataFrame:
    unknown = set(override.columns) - set(data.columns)
    if unknown:
        raise ValueError(f"override names unknown indicators {sorted(unknown)}")
    ov = override.reindex(index=data.index, columns=data.columns)
    out = data.where(ov.isna(), ov)
    for (unit, ind), value in ov.stack().dropna().items():
        log.append(LogEntry("scenario", str(unit), str(ind),
                            f"{data.loc[unit, ind]:.6g} → {value:.6g} (scenario)"))
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
    for k, node in enumerate(tree.nodes):
        child = values[:, list(node.child_cols)]
        c = child_contributions(child, node.weights, node.method)
        if node.standardise == "ratio" and ref is not None:
            if node.method == "geometric":
                # ln(score) = Σ wᵢ ln(xᵢ / x_ref,ᵢ) / Σw: each child's log-ratio to the reference
                c = c - child_contributions(child[ref:ref + 1], node.weights, node.method)
            else:
                c = c / _unstandardised_ref(values, tree, k, ref)
        w = node.weights / node.weights.sum() if node.weights.sum() > 0 else node.weights
        frames.append(pd.DataFrame({
            "iso3": np.repeat(units, len(node.children)),
            "parent": node.id,
            "child": np.tile(node.children, len(units)),
            "weight": np.tile(w, len(units)),
            "method": node.method,
            "child_value": child.ravel(),
            "contribution": c.ravel(),
            "parent_value": np.repeat(values[:, n_ind + k], len(node.children)),
        }))
    return pd.concat(frames, ignore_index=True)


def _unstandardised_ref(values: np.ndarray, tree: CompiledTree, k: int, ref: int) -> float:
    node = tree.nodes[k]
    from aidi.engine.aggregate import aggregate

    raw = aggregate(values[ref:ref + 1, list(node.child_cols)], node.weights, node.method,
                    node.nonpositive, node.offset)
    return float(raw[0])
