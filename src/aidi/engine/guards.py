"""Numeric guards at the engine's boundaries: no step hands on a number that is silently wrong.

The methods (normalise, treat, impute, aggregate, …) are pure array functions; what they
cannot see is whether their output still means what the build claims. These checks sit
between the steps (`aidi.engine.pipeline` calls them), so every method of the catalogue is
covered without a check inside each:

- weights are rescaled by a power of two so the largest is in [0.5, 1) before any sum —
  exact for ordinary weights (bit-identical scores), and weights of 5e-324 or 1e308 no longer
  underflow to 0 or overflow to ∞ in Σ wᵢxᵢ; a non-finite or negative weight is refused;
- after each per-indicator step the values must be finite where present (NaN = missing is
  allowed; ±∞ is not) — a Box-Cox with a huge λ, a division by a zero spread, … are named with
  the step, the indicator, the unit and the fix;
- `target` normalisation needs its target beyond the worst value in the indicator's direction
  (a target below every value would turn the ranking upside down);
- a node standardised to the reference unit (reference = 1) needs the reference's own score
  there to be finite and positive: dividing by a negative score (a z-score below the mean)
  reverses every rank;
- aggregate scores must be finite or missing, and ranks must agree with them: a unit without
  a score is unranked (and the pipeline logs it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np

from aidi.errors import AidiError, InputError

__all__ = ["NumericGuardError", "StepError", "check_finite", "check_ranks", "check_references",
           "check_reference_scale", "check_targets", "safe_weights", "step_errors"]

#: What to do when a step's output is not finite, by step.
_FIXES = {
    "select": "check the series' values and the transform (log offset, denominator of 0)",
    "impute": "choose another imputation method for it",
    "treat": "use a smaller Box-Cox λ (or let it be estimated), another transform, or none",
    "normalise": "choose a normalisation whose parameters suit the values (a spread of 0, a "
                 "reference of 0 or a goalpost span of 0 divide by zero)",
}


class NumericGuardError(InputError):
    """A step produced (or would produce) a number that is not meaningful: the message names
    the spec, the step, the node or indicator, the unit and the fix."""


class StepError(InputError):
    """An engine step refused the spec's settings for this data (a log of a value that is not
    positive, a reference unit not built, a ratio of negative values, …)."""


@contextlib.contextmanager
def step_errors(step: str, spec_id: str = "") -> Iterator[None]:
    """Turn a method's `ValueError` (its own check of its inputs) into a `StepError` naming the
    spec and the step; an `AidiError` passes unchanged, anything else stays a bug."""
    try:
        yield
    except AidiError:
        raise
    except ValueError as exc:
        raise StepError(f"{_spec(spec_id)}step {step!r}: {exc}") from exc


def check_references(spec) -> None:
    """Before any work: every indicator normalised relative to a reference unit has one (the
    default normalisation, ratio, needs the spec's `reference`)."""
    if spec.reference is not None:
        needs = [i.id for i in spec.indicators()
                 if (i.normalise or spec.defaults.normalise).method == "dist2ref"
                 and (i.normalise or spec.defaults.normalise).reference is None]
    else:
        needs = [i.id for i in spec.indicators()
                 if (i.normalise or spec.defaults.normalise).method in ("ratio", "dist2ref")
                 and (i.normalise or spec.defaults.normalise).reference is None]
    if needs:
        shown = ", ".join(needs[:5]) + (", …" if len(needs) > 5 else "")
        raise StepError(f"{_spec(spec.id)}indicator(s) {shown} are normalised relative to a "
                        "reference unit (ratio is the default normalisation), but the spec "
                        "names no `reference`: add one (e.g. reference: USA), or choose "
                        "another method (e.g. defaults: {normalise: {method: minmax}})")


def safe_weights(weights: np.ndarray, node: str = "") -> np.ndarray:
    """`weights` (last axis = children; leading axes = samples) scaled by a power of two so
    the largest of each set lies in [0.5, 1) — exact, only the exponent changes — so that
    Σ wᵢxᵢ neither underflows nor overflows. Weighted means do not depend on the weights'
    scale, so every score is unchanged bit for bit. Non-finite or negative weights are
    refused."""
    w = np.asarray(weights, dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        where = f" of node {node!r}" if node else ""
        raise NumericGuardError(f"the weights{where} must be finite and >= 0, got "
                                f"{np.unique(w[~(np.isfinite(w) & (w >= 0))]).tolist()}")
    if w.size == 0:
        return w
    top = w.max(axis=-1, keepdims=True)
    _, exponent = np.frexp(np.where(top > 0, top, 1.0))
    return np.ldexp(w, -exponent)


def check_finite(step: str, values: np.ndarray, ids: Sequence[str],
                 units: Sequence[str], spec_id: str = "") -> None:
    """Refuse ±∞ in a step's output (units × indicators, batch axes allowed); NaN is a
    missing value and passes."""
    x = np.asarray(values, dtype=float)
    bad = np.isinf(x)
    if not bad.any():
        return
    idx = tuple(int(i[0]) for i in np.nonzero(bad))
    unit, col = idx[-2], idx[-1]
    raise NumericGuardError(
        f"{_spec(spec_id)}step {step!r} gave a non-finite value ({x[idx]:g}) for indicator "
        f"{ids[col]!r}, unit {units[unit]} ({int(bad.sum())} cell(s) in all): "
        f"{_FIXES.get(step, 'check its settings')}")


def check_targets(treated: np.ndarray, settings: Sequence[object], directions: np.ndarray,
                  ids: Sequence[str], spec_id: str = "") -> list[tuple[str, str]]:
    """`target` normalisation, (x − worst) / (target − worst), ranks the units upside down
    when the target lies on the wrong side of the worst value. aidi's capped `target` (a
    share of the way to a goal) is refused then; COINr's `n_dist2targ` (`cap: false`, or any
    setting with COINr semantics — `cap_max` only caps values above 1, it cannot turn the
    ranks round) keeps COINr's arithmetic — returned as (indicator, note) for the build log."""
    x = np.asarray(treated, dtype=float)
    notes = []
    for j, s in enumerate(settings):
        if getattr(s, "method", None) != "target" or getattr(s, "target", None) is None:
            continue
        col = x[..., j]
        if np.isnan(col).all():
            continue
        d = float(directions[j])
        worst = np.nanmin(col) if d > 0 else np.nanmax(col)
        if (s.target - worst) * d >= 0:
            continue
        side = "below" if d > 0 else "above"
        what = (f"indicator {ids[j]!r}: the normalisation target {s.target:g} is {side} every "
                f"value (worst {worst:g}), so (x − worst) / (target − worst)")
        if getattr(s, "cap", None) is False or getattr(s, "semantics", "aidi") == "coinr":
            notes.append((ids[j], f"{what} falls as the value rises (COINr's n_dist2targ "
                                  "arithmetic, kept: its cap_max only caps above 1)"))
            continue
        raise NumericGuardError(
            f"{_spec(spec_id)}{what} would rank the units upside down; set a target beyond "
            "the worst value in the indicator's direction (e.g. the best value, or a goal not "
            "yet reached)")
    return notes


def check_reference_scale(raw_ref: float, node: str, reference: str, spec_id: str = "") -> None:
    """A node standardised to the reference unit divides every score by the reference's:
    that score must be finite and positive."""
    if np.isfinite(raw_ref) and raw_ref > 0:
        return
    why = ("is not a finite number" if not np.isfinite(raw_ref) else
           f"is {raw_ref:.4g}, not positive: dividing by it would "
           + ("reverse every rank" if raw_ref < 0 else "make every score infinite"))
    raise NumericGuardError(
        f"{_spec(spec_id)}node {node!r} is standardised to the reference unit {reference} "
        f"(= 1), but {reference}'s own score there {why}. Normalise onto positive values "
        "(e.g. zscore with mean: 10, or minmax with low: 1), or set `standardise: none` on "
        "that node")


def check_ranks(scores: np.ndarray, ranks: np.ndarray, nodes: Sequence[str],
                units: Sequence[str], spec_id: str = "") -> None:
    """Aggregate scores are finite or missing; a unit is ranked exactly where it has a score,
    and a higher score never has a worse rank."""
    s, r = np.asarray(scores, dtype=float), np.asarray(ranks, dtype=float)
    if np.isinf(s).any():
        i, k = (int(v[0]) for v in np.nonzero(np.isinf(s)))
        raise NumericGuardError(f"{_spec(spec_id)}node {nodes[k]!r} has a non-finite score "
                                f"({s[i, k]:g}) for {units[i]}; check the weights and the "
                                "normalisation feeding it")
    if (np.isnan(s) != np.isnan(r)).any():  # pragma: no cover - a bug, not bad input
        raise AssertionError("a unit without a score was ranked (or the reverse)")
    for k in range(s.shape[1]):
        ok = ~np.isnan(s[:, k])
        order = np.argsort(-s[ok, k], kind="stable")
        if (np.diff(r[ok, k][order]) < 0).any():  # pragma: no cover - a bug
            raise AssertionError(f"ranks of {nodes[k]!r} disagree with its scores")


def _spec(spec_id: str) -> str:
    return f"spec {spec_id!r}: " if spec_id else ""
