"""Calibration: fit the weights the source does not state to the figures it publishes.

This is an explicit, named procedure, never the default: `aidi build --calibrate` runs the
documented spec first, then asks "which pillar-level dimension weights would bring our numbers
closest to the published ones?", and reports the fitted weights beside the fit before and after.
With 8 published numbers and up to 5 free weights the fit says how far weights alone can close
the gap — not that the fitted weights are the source's.

Weights are parameterised by a softmax per node (non-negative, summing to the node's original
total), and the objective is the sum of squared differences over printed figures (the
reference unit's 1s and implied values excluded). Deterministic: fixed start, Nelder–Mead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from aidi.analysis.reproduction import compare
from aidi.engine.pipeline import BuildResult
from aidi.engine.tree import aggregate_tree


@dataclass(frozen=True)
class Calibration:
    nodes: tuple[str, ...]             # nodes whose child weights were fitted
    weights: pd.DataFrame              # node, child, spec_weight, fitted_weight
    fit: pd.DataFrame                  # iso3, measure, published, ours_spec, ours_calibrated
    mad_before: float
    mad_after: float
    n_targets: int
    n_free: int
    success: bool

    def summary(self) -> str:
        lines = [f"Calibration of dimension weights to {self.n_targets} published figures "
                 f"({self.n_free} free parameters; optimiser converged: {self.success})",
                 f"  mean absolute difference: {self.mad_before:.3f} (spec) → "
                 f"{self.mad_after:.3f} (calibrated)"]
        for _, r in self.weights.iterrows():
            lines.append(f"  {r.node:>22} / {r.child:<24} {r.spec_weight:6.3f} → "
                         f"{r.fitted_weight:6.3f}")
        lines.append("  The documented spec stays the default; these weights are a diagnostic.")
        return "\n".join(lines)


def _targets(result: BuildResult) -> pd.DataFrame:
    rep = compare(result).table
    return rep[rep.kind == "published"].reset_index(drop=True)


def calibrate_weights(result: BuildResult, nodes: tuple[str, ...] | None = None) -> Calibration:
    """Fit the child weights of `nodes` (default: the root's children, i.e. the pillars'
    dimension weights) to the published figures."""
    tree = result.tree
    spec = result.spec
    if nodes is None:
        root = spec.root
        nodes = tuple(c.id for c in root.children if hasattr(c, "children"))
    node_objs = {n.id: n for n in tree.nodes}
    targets = _targets(result)
    if targets.empty:
        raise ValueError("the spec has no published figures to calibrate against")
    units = list(result.units)
    ref = units.index(spec.reference) if spec.reference in units else None
    rows = np.array([units.index(u) for u in targets.iso3])
    cols = np.array([tree.col(m) for m in targets.measure])
    published = targets.published.to_numpy(dtype=float)
    x = result.normalised.to_numpy(dtype=float)
    sizes = [len(node_objs[n].weights) for n in nodes]
    totals = [node_objs[n].weights.sum() for n in nodes]

    def unpack(theta: np.ndarray) -> dict[str, np.ndarray]:
        out, k = {}, 0
        for n, size, total in zip(nodes, sizes, totals, strict=True):
            z = theta[k:k + size]
            e = np.exp(z - z.max())
            out[n] = total * e / e.sum()
            k += size
        return out

    def predict(theta: np.ndarray) -> np.ndarray:
        vals = aggregate_tree(x, tree, ref, weights=unpack(theta))
        return vals[rows, cols]

    def loss(theta: np.ndarray) -> float:
        d = predict(theta) - published
        return float(np.nansum(d * d))

    start = np.concatenate([np.log(node_objs[n].weights / node_objs[n].weights.sum())
                            for n in nodes])
    res = minimize(loss, start, method="Nelder-Mead",
                   options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10})
    fitted = unpack(res.x)
    wrows = []
    for n in nodes:
        node = node_objs[n]
        spec_w = node.weights / node.weights.sum()
        fit_w = fitted[n] / fitted[n].sum()
        for child, a, b in zip(node.children, spec_w, fit_w, strict=True):
            wrows.append({"node": n, "child": child, "spec_weight": a, "fitted_weight": b})
    before, after = predict(start), predict(res.x)
    fit = targets[["iso3", "measure", "published"]].assign(ours_spec=before,
                                                            ours_calibrated=after)
    return Calibration(tuple(nodes), pd.DataFrame(wrows), fit,
                       float(np.nanmean(np.abs(before - published))),
                       float(np.nanmean(np.abs(after - published))), len(published),
                       int(sum(s - 1 for s in sizes)), bool(res.success))


# ---- the spec's named calibration procedure ----------------------------------------------------
#: Grid points per parameter of the coarse search before Nelder–Mead.
GRID_POINTS = 15


@dataclass(frozen=True)
class SpecCalibration:
    """The result of a spec's calibration procedure (`aidi.specs.calibration`).

    `parameters`: id, description, low, high, shipped (the spec's value), fitted.
    `fit`: one row per printed value — iso3, measure, role (`fit`: the procedure minimised
    its error; `test`: predicted only), published, with_shipped, with_fitted and `loo`: the
    value predicted when that printed value is left out of the fit (leave-one-out over every
    printed value).
    """

    procedure: str
    parameters: pd.DataFrame
    fit: pd.DataFrame
    in_sample: float          # MAD over the `fit` values, fitted parameters
    out_of_sample: float      # MAD over the `test` values, fitted parameters
    all_printed: float        # MAD over every printed value, fitted parameters
    shipped_all_printed: float  # the same with the spec's own values
    leave_one_out: float      # MAD of the leave-one-out predictions
    n_free: int
    n_fit: int
    n_test: int

    def matches_spec(self, tol: float = 1e-3) -> bool:
        """Whether the spec's values are the fitted ones (relative tolerance on each, or the
        same MAD to 1e-4 where the optimum is flat)."""
        p = self.parameters
        close = np.isclose(p["shipped"], p["fitted"], rtol=tol, atol=tol)
        return bool(close.all() or abs(self.shipped_all_printed - self.all_printed) < 1e-4)

    def summary(self) -> str:
        lines = [f"Calibration procedure '{self.procedure}': {self.n_free} free parameters, "
                 f"fitted on {self.n_fit} printed values, tested on {self.n_test}"]
        for _, r in self.parameters.iterrows():
            lines.append(f"  {r['id']:<18} fitted {r['fitted']:.4f} (spec {r['shipped']:.4f}; "
                         f"searched {r['low']:g}–{r['high']:g})")
        lines.append(f"  mean absolute difference: in-sample {self.in_sample:.4f}, "
                     f"out-of-sample {self.out_of_sample:.4f}, all {self.n_fit + self.n_test} "
                     f"printed {self.all_printed:.4f}, leave-one-out {self.leave_one_out:.4f}")
        return "\n".join(lines)


class _Evaluator:
    """Printed values predicted for given parameter values, without rebuilding: the selected,
    imputed and treated data do not depend on the parameters (they set only a normalisation's
    `power` and `ceiling`), so the data are normalised once without them, and each evaluation
    applies the powers and ceilings column by column and runs one tree pass."""

    def __init__(self, result: BuildResult):
        from aidi.engine.normalise import normalise_matrix

        self.result = result
        spec = result.spec
        self.calibration = spec.calibration
        targets = _targets(result)
        units = list(result.units)
        self.ref = units.index(spec.reference) if spec.reference in units else None
        self.table = targets[["iso3", "measure", "published"]].reset_index(drop=True)
        self.rows = np.array([units.index(u) for u in targets.iso3])
        self.cols = np.array([result.tree.col(m) for m in targets.measure])
        inds = spec.indicators()
        plain = [spec.effective_normalise(i).model_copy(update={"power": 1.0, "ceiling": None})
                 for i in inds]
        self.base = normalise_matrix(result.treated.to_numpy(dtype=float), plain,
                                     np.array([i.direction for i in inds], dtype=float), units,
                                     [i.id for i in inds])
        # which parameter sets each column's power and ceiling (None: the spec's own value)
        self.setters = {field: [self._setter(i.id, field) for i in inds]
                        for field in ("power", "ceiling")}
        self.fixed = {"power": np.array([spec.effective_normalise(i).power for i in inds]),
                      "ceiling": np.array([spec.effective_normalise(i).ceiling or np.inf
                                           for i in inds], dtype=float)}

    def _setter(self, indicator_id: str, field: str) -> str | None:
        probe = {p.id: float(k) for k, p in enumerate(self.calibration.parameters)}
        value = self.calibration.with_values(probe).settings_for(indicator_id).get(field)
        return None if value is None else self.calibration.parameters[int(value)].id

    def predict(self, values: dict[str, float]) -> np.ndarray:
        cols = {}
        for field, setters in self.setters.items():
            cols[field] = np.array([values[s] if s is not None else self.fixed[field][j]
                                    for j, s in enumerate(setters)], dtype=float)
        with np.errstate(invalid="ignore"):
            x = np.minimum(np.power(self.base, cols["power"]), cols["ceiling"])
        vals = aggregate_tree(x, self.result.tree, self.ref)
        return vals[self.rows, self.cols]


def _search(ev: _Evaluator, mask: np.ndarray) -> dict[str, float]:
    """Least absolute deviation over the printed values in `mask`: a grid of `GRID_POINTS`
    per parameter over its bounds, then Nelder–Mead from the best grid point (clipped to the
    bounds). Deterministic."""
    params = ev.calibration.parameters
    ids = [p.id for p in params]
    lo = np.array([p.bounds[0] for p in params])
    hi = np.array([p.bounds[1] for p in params])
    target = ev.table["published"].to_numpy(dtype=float)[mask]

    def loss(theta: np.ndarray) -> float:
        theta = np.clip(theta, lo, hi)
        d = ev.predict(dict(zip(ids, theta, strict=True)))[mask] - target
        return float(np.nanmean(np.abs(d))) if np.isfinite(d).any() else np.inf

    axes = [np.linspace(a, b, GRID_POINTS) for a, b in zip(lo, hi, strict=True)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(ids))
    start = grid[int(np.argmin([loss(t) for t in grid]))]
    res = minimize(loss, start, method="Nelder-Mead",
                   options={"xatol": 1e-5, "fatol": 1e-8, "maxiter": 2000})
    best = np.clip(res.x, lo, hi)
    return dict(zip(ids, (round(float(v), 4) for v in best), strict=True))


def calibrate_spec(result: BuildResult, leave_one_out: bool = True) -> SpecCalibration:
    """Run the spec's calibration procedure and report it (see `SpecCalibration`).

    Fit: the printed values of the measures in `calibration.fit`; test: those in
    `calibration.test`; leave-one-out: every printed value predicted from a fit on all the
    others (`leave_one_out=False` skips those refits: NaN). The number of free parameters is
    the number of calibrated parameters.
    """
    cal = result.spec.calibration
    if cal is None:
        raise ValueError(f"spec {result.spec.id!r} declares no calibration procedure")
    ev = _Evaluator(result)
    if ev.table.empty:
        raise ValueError("the spec has no printed values to calibrate against")
    role = np.where(ev.table["measure"].isin(cal.fit), "fit",
                    np.where(ev.table["measure"].isin(cal.test), "test", "other"))
    fitted = _search(ev, role == "fit")
    published = ev.table["published"].to_numpy(dtype=float)
    with_fitted = ev.predict(fitted)
    with_shipped = ev.predict(cal.values())
    loo = np.full(len(published), np.nan)
    everyone = role != "other"
    for k in np.flatnonzero(everyone) if leave_one_out else ():
        mask = everyone.copy()
        mask[k] = False
        loo[k] = ev.predict(_search(ev, mask))[k]
    fit = ev.table.assign(role=role, with_shipped=with_shipped, with_fitted=with_fitted, loo=loo)

    def mad(pred: np.ndarray, sel: np.ndarray) -> float:
        d = np.abs(pred[sel] - published[sel])
        return float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")

    params = pd.DataFrame([{"id": p.id, "description": " ".join(p.description.split()),
                            "low": p.bounds[0], "high": p.bounds[1], "shipped": p.value,
                            "fitted": fitted[p.id]} for p in cal.parameters])
    return SpecCalibration(cal.procedure, params, fit, mad(with_fitted, role == "fit"),
                           mad(with_fitted, role == "test"), mad(with_fitted, everyone),
                           mad(with_shipped, everyone), mad(loo, everyone), len(cal.parameters),
                           int((role == "fit").sum()), int((role == "test").sum()))
