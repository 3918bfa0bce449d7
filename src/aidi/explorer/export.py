"""What the explorer page needs from a build, exported as plain JSON — Python is the reference.

The page never computes a normalisation, an imputation or a variant of its own for what it
shows by default: it re-aggregates matrices exported here —

- `normalised[level]`: the normalised indicators (units × indicators) of the build with every
  indicator normalised by that level ("spec" = the spec's own), i.e. `Build.with_spec(...)`
  of `build_for_state(..., normalisation=level)`;
- `bands`: the variant tensors of the rank bands (below);

and aggregates them up the spec's tree with the reader's weights and methods (the aggregation
of `aidi.engine.tree` / `aidi.engine.aggregate`, ported to JavaScript line by line).

**Rank bands.** The reader sets the weights (and the pillars' aggregation), so the band is the
spread due to the *other* open choices: normalisation (the spec's, or every indicator by ratio
/ min–max / z-score), imputation (the spec's, mean or median) and leaving one indicator out —
`BAND_CONFIG`, the factors of `aidi.analysis.robustness` with weights and aggregation switched
off. `rank_bands(build, weights, n, seed)` draws `n` variants exactly as `Build.uncertainty`
does (`default_rng(seed).random((n, n_vars))` decoded by the design), applies the reader's
weights to every variant (a left-out indicator gets weight 0 in its parent, as in the design),
and returns the 5 / 50 / 95 % quantiles (type 7) of each economy's rank over the variants in
which it has an index. With the spec's weights this *is* `Build.uncertainty(n, seed,
BAND_CONFIG)`. The page gets the design's matrices and each variant's decoded levels, so it
computes the same bands for any weights.

**Scenarios.** `Build.with_changes` edits indicator values before imputation and re-runs
impute → treat → normalise → aggregate. The page repeats those steps for the methods it has
ported (imputation none / min / mean / median without groups, no treatment, normalisation
ratio / frontier / min–max / z-score / none); for a spec using anything else, scenarios are
switched off in the page and `scenario_support` says why. Page scenario changes have the shape
of `aidi.analysis.scenarios.Change`; `scenario_from_page` turns them into a `Scenario`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aidi.analysis.robustness.choices import NORMALISATIONS
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.variant_design import VariantDesign, variant_levels
from aidi.analysis.scenarios import Change, Scenario, load_scenario
from aidi.countries import name_en, name_zh
from aidi.engine import registry
from aidi.engine.tree import aggregate_tree_marked, ranks
from aidi.errors import InputError
from aidi.specs.describe import describe_transform
from aidi.specs.schema import IndexSpec, Indicator, Label, Node, iter_nodes

if TYPE_CHECKING:
    from aidi.api import Build

#: The open choices the rank bands vary (weights and aggregation are the reader's).
BAND_CONFIG = UncertaintyConfig(weights="off", aggregations=(), winsorisation=(),
                                leave_one_out=True, zeros="zero")
#: Aggregation methods the page (and its JavaScript port) can compute.
PAGE_METHODS = registry.names("aggregate", on_page=True)
#: Alternatives offered for the pillars' aggregation (besides the spec's own).
AGGREGATION_CHOICES = ("arithmetic", "geometric")
#: Methods the page's scenario steps reproduce exactly.
SCENARIO_IMPUTE = registry.names("impute", on_page=True)
SCENARIO_NORMALISE = registry.names("normalise", on_page=True)
SHIPPED_PRESETS = ("us-japan-sharing",)


# ---- the page's state as a Python build ------------------------------------------------------
def pillar_ids(spec: IndexSpec) -> list[str]:
    """The aggregate children of the root: the nodes whose method the page lets one switch."""
    return [c.id for c in spec.root.children if isinstance(c, Node)]


def spec_for(spec: IndexSpec, normalisation: str = "spec",
             aggregation: str = "spec") -> IndexSpec:
    """The spec with every indicator normalised by `normalisation` (a name of
    `aidi.analysis.robustness.choices.NORMALISATIONS`, or "spec") and the pillars aggregated by
    `aggregation` ("spec" = unchanged) — the same rewrite the variant design uses."""
    if normalisation == "spec" and aggregation == "spec":
        return spec
    if normalisation != "spec" and normalisation not in NORMALISATIONS:
        raise InputError(f"unknown normalisation {normalisation!r}; choose from "
                         f"{['spec', *NORMALISATIONS]}")
    norm = None if normalisation == "spec" else NORMALISATIONS[normalisation]
    if norm is not None and registry.method("normalise", norm.method).needs_reference:
        norm = norm.model_copy(update={"reference": spec.reference})
    pillars = set(pillar_ids(spec)) if aggregation != "spec" else set()

    def rewrite(n: Node | Indicator) -> Node | Indicator:
        if isinstance(n, Indicator):
            return n if norm is None else n.model_copy(update={"normalise": norm})
        if n.id in pillars:
            return n.model_copy(update={"aggregate": n.aggregate.model_copy(
                update={"method": aggregation})})
        return n

    return spec.map_nodes(rewrite)


def build_for_state(build: Build, *, weights: Mapping[str, float] | None = None,
                    normalisation: str = "spec", aggregation: str = "spec",
                    scenario: Scenario | Sequence[Mapping[str, Any]] | None = None) -> Build:
    """The Python build the page shows for a state: `with_spec` (normalisation, aggregation),
    then `with_weights`, then `with_changes` — what the browser tests compare against."""
    spec = spec_for(build.spec, normalisation, aggregation)
    b = build if spec is build.spec else build.with_spec(spec)
    if weights:
        b = b.with_weights(dict(weights))
    if scenario:
        sc = scenario if isinstance(scenario, Scenario) else scenario_from_page(scenario)
        b = b.with_changes(sc)
    return b


def scenario_from_page(changes: Sequence[Mapping[str, Any]]) -> Scenario:
    """A `Scenario` from the page's change list (each item shaped like a `Change`)."""
    return Scenario(id="explorer", name=Label(en="Explorer scenario", zh="探索器情景"),
                    changes=tuple(Change.model_validate(dict(c)) for c in changes))


# ---- rank bands ---------------------------------------------------------------------------------
def band_design(build: Build) -> VariantDesign:
    """The variant design of the rank bands (`BAND_CONFIG`) for a build."""
    return build_design(build.result, BAND_CONFIG)


def band_samples(design: VariantDesign, n_variants: int, seed: int) -> dict[str, np.ndarray]:
    """Each variant's levels, drawn as `run_uncertainty` draws them: the row of the
    imputation × winsorisation block, the normalisation level, the left-out indicator's column
    (−1 = none)."""
    u = np.random.default_rng(seed).random((n_variants, design.n_vars))
    return variant_levels(design, u)


def _node_weights(design: VariantDesign, weights: Mapping[str, float] | None,
                  exclude: np.ndarray) -> dict[str, np.ndarray]:
    """Per-variant child weights (n, k) of every node: the reader's, excluded indicator → 0."""
    weights = weights or {}
    out = {}
    for node in design.tree.nodes:
        w = np.array([float(weights.get(c, node.weights[i])) for i, c in
                      enumerate(node.children)])
        hit = np.asarray(node.child_cols)[None, :] == exclude[:, None]
        out[node.id] = np.where(hit, 0.0, np.broadcast_to(w, hit.shape))
    return out


def rank_bands(build: Build, weights: Mapping[str, float] | None = None,
               n_variants: int = 1000, seed: int = 0, aggregation: str = "spec",
               design: VariantDesign | None = None) -> pd.DataFrame:
    """Per economy: the 5 / 50 / 95 % quantiles of its rank over `n_variants` variants of the
    other open choices, for the reader's `weights` (see the module docstring).

    Columns: iso3, p05_rank, median_rank, p95_rank, n_valid. Vectorised: one tree pass over a
    (variants, units, indicators) block.
    """
    design = design or band_design(build)
    s = band_samples(design, n_variants, seed)
    x = design.matrices[s["prep"], s["norm"]]
    w = _node_weights(design, weights, s["exclude"])
    methods = {n.id: n.method for n in design.tree.nodes}
    if aggregation != "spec":
        methods.update({p: aggregation for p in pillar_ids(build.spec)})
    values, _ = aggregate_tree_marked(x, design.tree, design.ref, w, methods, BAND_CONFIG.zeros)
    index = values[..., -1]
    index = np.where(np.isfinite(index), index, np.nan)
    rank = ranks(index[..., None])[..., 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an economy with no valid variant
        q = np.nanquantile(rank, (0.05, 0.5, 0.95), axis=0)
    return pd.DataFrame({"iso3": list(design.units), "p05_rank": q[0], "median_rank": q[1],
                         "p95_rank": q[2], "n_valid": (~np.isnan(index)).sum(axis=0)})


# ---- the payload ----------------------------------------------------------------------------------
def _num(x: Any) -> float | None:
    """A JSON number (exact: Python's float repr round-trips) or null for NaN / inf."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _matrix(a: np.ndarray) -> list:
    """Nested lists with null for NaN (a JSON array of the same shape)."""
    a = np.asarray(a, dtype=float)
    flat = [v if np.isfinite(v) else None for v in a.ravel().tolist()]
    if a.ndim <= 1:
        return flat
    step = int(np.prod(a.shape[1:]))
    return [_matrix(a[i]) if a.ndim > 2 else flat[i * step:(i + 1) * step]
            for i in range(a.shape[0])]


def _label(label: Label) -> dict[str, str]:
    return {"en": label.en, "zh": label.get("zh")}


def unsupported_aggregations(spec: IndexSpec) -> list[dict[str, str]]:
    """The nodes whose aggregation the page cannot recompute (`PAGE_METHODS` only): with any,
    the page shows Python's scores as fixed and switches weights and methods off."""
    return [{"node": n.id, "method": n.aggregate.method} for n in _aggregates(spec.root)
            if n.aggregate.method not in PAGE_METHODS]


def methods_summary(spec: IndexSpec, fixed: bool) -> list[dict[str, Any]]:
    """Each step's method(s) and whether the page lets the reader change it — shown in the
    page's Method panel, so a method the page cannot recompute is seen as fixed, never
    silently replaced."""
    inds = spec.indicators()
    out: list[dict[str, Any]] = []
    for step, getter, changeable in (
            ("impute", spec.effective_impute, False), ("treat", spec.effective_treat, False),
            ("normalise", spec.effective_normalise, not fixed)):
        counts: dict[str, int] = {}
        for ind in inds:
            m = getter(ind)
            name = m.method if isinstance(m.method, str) else "transform"
            if step == "impute" and getattr(m, "group", None):
                name = f"{name}_group"
            counts[name] = counts.get(name, 0) + 1
        for name, n in counts.items():
            out.append({"step": step, "method": name, "count": n, "changeable": changeable})
    aggs: dict[str, int] = {}
    for n in _aggregates(spec.root):
        aggs[n.aggregate.method] = aggs.get(n.aggregate.method, 0) + 1
    for name, n in aggs.items():
        out.append({"step": "aggregate", "method": name, "count": n,
                    "changeable": not fixed and name in PAGE_METHODS})
    if spec.screen.min_availability > 0:
        out.append({"step": "screen", "method": spec.screen.on,
                    "count": spec.screen.min_availability, "changeable": False})
    return out


def _aggregates(n: Node | Indicator) -> list[Node]:
    return [m for m in iter_nodes(n, "post") if isinstance(m, Node)]


def scenario_why(spec: IndexSpec) -> dict[str, str]:
    """{} when the page reproduces `with_changes` for this spec, else why not, as a code the
    page words in its language (`screen`, `impute`, `treat`, `normalise`) with the indicator
    and method."""
    if spec.screen.min_availability > 0 and spec.screen.on != "raw":
        return {"code": "screen"}
    for ind in spec.indicators():
        imp, treat, norm = (spec.effective_impute(ind), spec.effective_treat(ind),
                            spec.effective_normalise(ind))
        if imp.method not in SCENARIO_IMPUTE or getattr(imp, "group", None):
            return {"code": "impute", "indicator": ind.id, "method": imp.method}
        if treat.method != "none":
            return {"code": "treat", "indicator": ind.id,
                    "method": treat.method if isinstance(treat.method, str) else "transform"}
        if norm.method not in SCENARIO_NORMALISE:
            return {"code": "normalise", "indicator": ind.id, "method": norm.method}
    return {}


def scenario_support(spec: IndexSpec) -> str:
    """"" when the page reproduces `with_changes` for this spec, else the reason it cannot."""
    why = scenario_why(spec)
    if not why:
        return ""
    if why["code"] == "screen":
        return "the availability screen runs on imputed data"
    verb = {"impute": "imputed by", "treat": "treated", "normalise": "normalised by"}[why["code"]]
    what = f"{verb} {why['method']}" if why["code"] != "treat" else f"{verb} ({why['method']})"
    return f"indicator {why['indicator']} is {what}"


def _normalisers(spec: IndexSpec, level: str) -> list:
    """Every indicator's `Normalise` under a level (what `spec_for` writes into the spec)."""
    variant = spec_for(spec, level)
    return [variant.effective_normalise(i) for i in variant.indicators()]


def _norm_setting(norm) -> dict[str, Any]:
    return {"method": norm.method, "low": norm.low, "high": norm.high, "mean": norm.mean,
            "sd": norm.sd, "reference": norm.reference, "power": norm.power,
            "ceiling": norm.ceiling}


def _tree_nodes(spec: IndexSpec, tree) -> list[dict[str, Any]]:
    """Every node of the spec, depth-first, with what the page shows and computes."""
    parent = spec.parent_of()
    compiled = {n.id: n for n in tree.nodes}
    out: list[dict[str, Any]] = []

    for path in spec.iter_paths():
        n, depth = path[-1], len(path) - 1
        item: dict[str, Any] = {"id": n.id, "name": _label(n.name), "depth": depth,
                                "parent": parent.get(n.id, ""), "weight": float(n.weight)}
        if isinstance(n, Indicator):
            item.update({"kind": "indicator", "unit": n.unit or "", "series": n.series,
                         "direction": int(n.direction),
                         "transform": {"en": describe_transform(n, "en"),
                                       "zh": describe_transform(n, "zh")},
                         "impute": spec.effective_impute(n).method,
                         "impute_scope": spec.effective_impute(n).scope})
        else:
            c = compiled[n.id]
            item.update({"kind": "aggregate", "children": list(c.children),
                         "method": c.method, "nonpositive": c.nonpositive,
                         "offset": c.offset, "min_coverage": c.min_coverage,
                         "dat_thresh": c.dat_thresh, "standardise": c.standardise,
                         "indicators": [i.id for i in _indicators(n)]})
        out.append(item)
    return out


def _indicators(n: Node | Indicator) -> list[Indicator]:
    return [i for i in iter_nodes(n) if isinstance(i, Indicator)]


def _lineage(build: Build) -> dict[str, Any]:
    """Per indicator, per unit: raw value, value used, the engine's year label (the page words
    it in its language), source, file, and how a missing cell was filled (`how`: "" read,
    "carried_forward", or the imputation method, with the value it got)."""
    prov = build.provenance.set_index(["indicator", "iso3"])
    units = list(build.units)
    imputed = build.result.imputed.reindex(units)
    out: dict[str, Any] = {}
    for ind in build.spec.indicators():
        p = prov.loc[ind.id].reindex(units)
        how = [str(v) if isinstance(v, str) else "" for v in p["imputation"].fillna("")]
        out[ind.id] = {
            "raw": [_num(v) for v in p["raw_value"]],
            "value": [_num(v) for v in p["value"]],
            "year": [str(v) if isinstance(v, str) else "" for v in p["year"]],
            "source": [str(v) for v in p["source"].fillna("")],
            "file": [str(v) for v in p["file"].fillna("")],
            "denominator": str(p["denominator_series"].fillna("").iloc[0]) if len(p) else "",
            "imputed": [bool(v) for v in p["imputed"].fillna(False)],
            "how": how,
            "filled": [_num(imputed.loc[u, ind.id]) if h not in ("", "carried_forward")
                       else None for u, h in zip(units, how, strict=True)]}
    return out


def _presets(build: Build) -> list[dict[str, Any]]:
    """The shipped scenarios that fit this build, as page change lists."""
    out = []
    for name in SHIPPED_PRESETS:
        sc = load_scenario(name)
        units = set(build.units)
        ok = all(set(ch.units) <= units and (ch.close_gap is None or ch.close_gap.to in units)
                 for ch in sc.changes)
        ids = {n["id"] for n in _tree_nodes(build.spec, build.result.tree)}
        ok = ok and all(set(ch.nodes) | set(ch.indicators) <= ids for ch in sc.changes)
        if ok:
            out.append({"id": sc.id, "name": _label(sc.name), "changes": [
                ch.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
                for ch in sc.changes]})
    return out


def _bands_setup(build: Build, n_variants: int, seed: int, fixed: bool
                 ) -> tuple[VariantDesign | None, dict[str, Any] | None, str]:
    """The band design and the page's band block, or (None, None, why not)."""
    from aidi.errors import AidiError

    try:
        design = band_design(build)
    except (AidiError, ValueError) as exc:
        return None, None, str(exc).splitlines()[0]
    samples = band_samples(design, n_variants, seed)
    block = {"units": list(design.units), "seed": seed, "n": n_variants,
             "zeros": BAND_CONFIG.zeros, "imputation_levels": list(design.imputation_levels),
             "normalisation_levels": list(design.normalisation_levels)}
    if fixed:  # the page cannot aggregate: Python's bands for the spec's weights
        q = rank_bands(build, None, n_variants, seed, design=design).set_index("iso3")
        block["fixed"] = {u: {"p05": _num(q.loc[u, "p05_rank"]), "p50": _num(
            q.loc[u, "median_rank"]), "p95": _num(q.loc[u, "p95_rank"]),
            "n_valid": int(q.loc[u, "n_valid"])} for u in q.index}
    else:
        block.update({"matrices": _matrix(design.matrices), "prep": samples["prep"].tolist(),
                      "norm": samples["norm"].tolist(),
                      "exclude": samples["exclude"].tolist()})
    return design, block, ""


def _presentation(build: Build) -> dict[str, Any]:
    from aidi.specs.presentation import resolve_presentation

    p = resolve_presentation(build.spec, build.units, build.index.to_dict())
    return {"focus": p.focus, "reference": p.reference, "headline": list(p.headline),
            "quadrant": list(p.quadrant) if p.quadrant else None}


def build_payload(build: Build, n_variants: int = 1000, seed: int = 0, *,
                  timeline: Any = None, world: bool = True) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready Python objects (see the module docstring).

    `timeline` (an `aidi.over_time.Timeline` of the same spec and economies) adds the "over
    time" view; `world` the map's boundaries (`aidi.explorer.geo`).
    """
    spec = build.spec
    unsupported = unsupported_aggregations(spec)
    fixed = bool(unsupported)
    tree = build.result.tree
    units = list(build.units)
    design, bands, no_bands = _bands_setup(build, n_variants, seed, fixed)
    if design is not None and not fixed:
        rows = [design.units.index(u) for u in units]
        norm_levels = list(design.normalisation_levels)
        normalised = {lvl: _matrix(design.matrices[0, c][rows])
                      for c, lvl in enumerate(norm_levels)}
    else:
        norm_levels = ["spec"]
        normalised = {"spec": _matrix(build.result.normalised.reindex(units).to_numpy())}
    spec_methods = {n.id: n.method for n in tree.nodes}
    pillars = pillar_ids(spec)
    agg_levels = ["spec"] + ([] if fixed else [
        m for m in AGGREGATION_CHOICES if any(spec_methods[p] != m for p in pillars)])
    support = "the page cannot recompute this spec's aggregation" if fixed else \
        scenario_support(spec)
    data = build.result.data.reindex(units)
    payload: dict[str, Any] = {
        "version": 2,
        "spec": {"id": spec.id, "name": _label(spec.name), "edition": spec.edition or "",
                 "reference": spec.reference or ""},
        "origin": build.origin, "edition": build.inputs.edition or spec.edition or "",
        "units": units,
        "names": {"en": [name_en(u) for u in units], "zh": [name_zh(u) for u in units]},
        "indicator_ids": list(tree.indicator_ids),
        "aggregate_ids": list(tree.aggregate_ids),
        "nodes": _tree_nodes(spec, tree),
        "pillars": pillars,
        "presentation": _presentation(build),
        "fixed": {"on": fixed, "nodes": unsupported},
        "methods": methods_summary(spec, fixed),
        "normalisations": norm_levels,
        "aggregations": agg_levels,
        "normalised": normalised,
        "norm_settings": {lvl: [_norm_setting(n) for n in _normalisers(spec, lvl)]
                          for lvl in norm_levels},
        "bands": bands, "bands_off": no_bands,
        "scenario": {"supported": support == "", "reason": support,
                     "why": {"code": "fixed"} if fixed else scenario_why(spec),
                     "data": _matrix(data.to_numpy(dtype=float))},
        "presets": _presets(build) if support == "" else [],
        "lineage": _lineage(build),
        "python": {"scores": _matrix(build.scores.reindex(units).to_numpy(dtype=float)),
                   "ranks": _matrix(build.ranks.reindex(units).to_numpy(dtype=float))},
    }
    payload["specs"] = _specs(build)
    repro = _reproduction(build)
    if repro is not None:
        payload["reproduction"] = repro
    if timeline is not None:
        from aidi.explorer.timeline import timeline_payload

        payload["timeline"] = timeline_payload(timeline, build)
    if world:
        from aidi.explorer.geo import world_map

        payload["world"] = world_map()
    return payload


def _specs(build: Build) -> dict[str, Any]:
    """Which spec the page shows, its counterpart and the default (for a spec switch)."""
    from aidi.specs.loader import DEFAULT_SPEC

    return {"this": build.spec.id, "counterpart": build.spec.counterpart or "",
            "default": DEFAULT_SPEC}


def _reproduction(build: Build) -> dict[str, Any] | None:
    """Every printed figure beside both specs, the exact split of their difference and the
    reason for what remains (`aidi.analysis.why_differ`); None without a counterpart.

    `printed` rows are the source's figures (`kind` "printed", or "implied" by them); `mad`
    the mean absolute difference of each spec from the printed ones; `split` every economy's
    split at the index and the pillars (the page's "why we differ" for any economy)."""
    if not build.spec.published or not build.spec.counterpart:
        return None
    why = build.why_we_differ()
    if why is None or why.printed.empty:
        return None
    p = why.printed

    def col(frame: pd.DataFrame, name: str) -> list[Any]:
        return [None if isinstance(v, float) and not np.isfinite(v) else v
                for v in frame[name].tolist()]

    shown = p[p["kind"] == "printed"]
    mad = {side: _num((shown[side] - shown["printed"]).abs().mean()) for side in ("a", "b")}
    f = why.frame
    names = {build.spec.id: build.spec.name}
    other = build.counterpart()
    if other is not None:
        names[other.spec.id] = other.spec.name
    return {"a": why.spec_a, "b": why.spec_b, "players": list(why.players),
            "names": {k: _label(v) for k, v in names.items()},
            "iso3": col(p, "iso3"), "node": col(p, "node"), "kind": col(p, "kind"),
            "printed": col(p, "printed"), "value_a": col(p, "a"), "value_b": col(p, "b"),
            "parts": {pl: col(p, f"part:{pl}") for pl in why.players},
            "reason": {"en": col(p, "gap_reason"), "zh": col(p, "gap_reason_zh")},
            "mad": {**mad, "n": len(shown)},
            "split": {"iso3": col(f, "iso3"), "node": col(f, "node"),
                      "a": [_num(v) for v in f["score_a"]], "b": [_num(v) for v in f["score_b"]],
                      "parts": {pl: [_num(v) for v in f[f"part:{pl}"]] for pl in why.players}}}
