"""The rebuild oracle: one complete `pipeline.build` per sample, COINr's way.

The batch kernel (`aidi.analysis.robustness.evaluate`) must give what a full rebuild with the
sample's choices gives; `spec_variant` writes one sample's choices into a copy of the spec,
and `naive_evaluate` rebuilds it for every sample — deliberately a per-sample loop: the
equivalence tests' reference and the benchmarks' baseline, never the analyses' path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from aidi.analysis.robustness.design import imputed, treated
from aidi.analysis.robustness.evaluate import ChunkResult
from aidi.analysis.robustness.variant_design import VariantDesign
from aidi.engine.aggregate import NonPositiveError
from aidi.engine.pipeline import BuildResult, ReferenceHasNoValue, build
from aidi.engine.tree import ranks
from aidi.specs.schema import IndexSpec, Indicator, Node

Array = np.ndarray


def spec_variant(design: VariantDesign, spec: IndexSpec, u_row: Array) -> IndexSpec:
    """The spec a full rebuild would use for one sample (the reference the fast path must match).

    Rewrites the choices into a copy of the spec: every indicator's normalisation, the
    imputation of overridable indicators, the methods (and their parameters) of the nodes in
    scope, every child weight (left-out indicator = 0) and, with `zeros="zero"`, the nodes'
    `nonpositive` policy.
    """
    u = np.asarray(u_row, dtype=float).reshape(1, -1)
    level = {name: int(design.level_index(u, name)[0])
             for name in ("normalisation", "aggregation", "imputation")}
    updates = design.aggregation_updates[level["aggregation"]] if design.aggregation_updates \
        else {nid: {"method": m} for nid, m in
              design.aggregation_methods[level["aggregation"]].items()}
    weights = {k: v[0] for k, v in design.sample_weights(u).items()}
    norm = design.normalisation_settings[level["normalisation"]]
    imp = design.imputation_alternatives[level["imputation"]]
    win = str(design.decode(u).iloc[0]["winsorisation"])

    def rewrite(n: Node | Indicator) -> Node | Indicator:
        if isinstance(n, Indicator):
            upd: dict[str, object] = {}
            if norm is not None:
                upd["normalise"] = norm
            for key, now, then in (("impute", spec.effective_impute(n), imputed(spec, n, imp)),
                                   ("treat", spec.effective_treat(n), treated(spec, n, win))):
                if then != now:
                    upd[key] = then
            return n.model_copy(update=upd)
        kids = n.children
        if n.id in weights:
            kids = tuple(c.model_copy(update={"weight": float(w)})
                         for c, w in zip(kids, weights[n.id], strict=True))
        agg = n.aggregate.model_copy(update=dict(updates.get(n.id, {})))
        if design.config.zeros == "zero" and agg.nonpositive == "error":
            agg = agg.model_copy(update={"nonpositive": "zero"})
        return n.model_copy(update={"children": kids, "aggregate": agg})

    return spec.map_nodes(rewrite)


def naive_evaluate(design: VariantDesign, result: BuildResult, observations: pd.DataFrame,
                   u: Array, nodes: str | Sequence[str] | None = None) -> ChunkResult:
    """One complete `pipeline.build` per sample — COINr's way; the oracle and the benchmark's
    baseline (deliberately a per-sample loop). `nodes` as in `VariantDesign.evaluate`."""
    u = np.asarray(u, dtype=float)
    n, n_units = u.shape[0], len(design.units)
    node_ids = design.node_columns(nodes)
    index = np.full((n, n_units), np.nan)
    rank = np.full((n, n_units), np.nan)
    values = np.full((n, n_units, len(node_ids)), np.nan) if node_ids else None
    failure = np.zeros(n, dtype=np.intp)
    for s in range(n):
        variant = spec_variant(design, result.spec, u[s])
        info = result.candidate_info if result.candidates is not None else result.unit_info
        try:
            r = build(variant, observations, units=list(design.units), unit_info=info)
        except ReferenceHasNoValue:
            continue  # every unit's standardised score is missing: the batch path gives NaN
        except NonPositiveError:
            failure[s] = 1
            continue
        idx = r.scores[r.tree.root].reindex(list(design.units)).to_numpy(dtype=float)
        index[s] = np.where(np.isfinite(idx), idx, np.nan)
        rank[s] = ranks(index[s][:, None])[:, 0]
        if values is not None:
            allv = r.values().reindex(list(design.units))[list(node_ids)].to_numpy(dtype=float)
            values[s] = np.where(np.isfinite(allv), allv, np.nan)
    return ChunkResult(index, rank, failure, values, node_ids)
