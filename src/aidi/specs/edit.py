"""Pure edits of a spec: new weights, with every value checked (the spec stays immutable)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from aidi.errors import InputError
from aidi.specs.schema import IndexSpec, Indicator, Node


def with_weights(spec: IndexSpec, weights: Mapping[str, float]) -> IndexSpec:
    """A copy of `spec` where each node named in `weights` has that weight within its parent.

    Weights must be finite and >= 0, and a parent must keep at least one child with a
    positive weight (an all-zero parent would silently drop out of its own parent).
    """
    for node_id, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) \
                or w < 0:
            raise InputError(f"weight of {node_id!r} must be a finite number >= 0, got {w!r}")
    found: set[str] = set()

    def rewrite(n: Node | Indicator) -> Node | Indicator:
        if isinstance(n, Node) and not any(c.weight > 0 for c in n.children):
            raise InputError(f"every child of {n.id!r} would have weight 0; keep at least "
                             "one positive weight")
        if n.id not in weights:
            return n
        found.add(n.id)
        return n.model_copy(update={"weight": float(weights[n.id])})

    out = spec.map_nodes(rewrite)
    missing = sorted(set(weights) - found)
    if missing:
        raise InputError(f"no node(s) {missing} in spec {spec.id}")
    return out
