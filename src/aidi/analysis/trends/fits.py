"""Pure fitting functions of the trend analyses: exponential trends, a trend break, S-curves.

Why these and why this way:

* **Exponential trends** (compute, price-performance, cost) are straight lines in log10(y) on
  time; the doubling time is ``log10(2) / slope``. Intervals come from a *pairs bootstrap*
  written as weighted least squares with multinomial weights, so all replicates are solved at
  once in closed form (no per-replicate Python loop).
* **The break year** of the compute trend is estimated, not fixed at 2010: a continuous
  two-segment (hinge) regression ``a + b·x + c·(x − τ)₊`` is solved for every candidate τ on a
  grid and τ is the profile-least-squares minimum. The bootstrap re-estimates τ in every
  replicate (same weighted trick; one batched 3×3 solve per replicate × candidate), so the
  doubling-time intervals include the uncertainty of the break.
* **S-curves** (logistic, Gompertz, Bass) are fitted with ``scipy.optimize.curve_fit``;
  intervals come from a residual bootstrap whose replicates are refitted together by a
  batched Levenberg–Marquardt (:func:`batch_lm`). The quantities the source argues with —
  the inflection, the *first* and *second* inflections of its figure 1.7 (where growth
  starts to accelerate and to slow: the extremes of the curve's second derivative), the
  years a level is reached — are read off each replicate's curve on a fine time grid, the
  same code for every model.

Every random procedure takes a ``seed``; nothing here reads files or draws.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

__all__ = ["CURVES", "CurveFit", "LinearTrend", "SegmentedTrend", "batch_lm", "bootstrap_weights",
           "doubling_months", "fit_curve", "loglinear", "percentile_ci", "segmented",
           "summarise"]

LOG2 = math.log10(2.0)
ALPHA = 0.05


def doubling_months(slope: np.ndarray | float) -> np.ndarray | float:
    """Doubling time in months of a trend with ``slope`` in log10 units per year (inf if ≤ 0)."""
    slope = np.asarray(slope, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(slope > 0, 12.0 * LOG2 / slope, np.inf)
    return out if out.ndim else float(out)


def percentile_ci(samples: np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    """Percentile interval of the finite bootstrap replicates (NaN, NaN if there are none)."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.quantile(samples, [alpha / 2, 1 - alpha / 2])
    return (float(lo), float(hi))


def bootstrap_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """Pairs-bootstrap resamples as multinomial counts, one row per replicate (n_boot × n)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


# --------------------------------------------------------------------------- log-linear

@dataclass(frozen=True)
class LinearTrend:
    """A straight-line trend of log10(y) on time, with bootstrap replicates of its slope."""

    slope: float            # log10 units per year
    intercept: float        # at x = 0
    n: int
    slope_boot: np.ndarray
    intercept_boot: np.ndarray

    @property
    def doubling_months(self) -> float:
        return float(doubling_months(self.slope))

    @property
    def doubling_ci(self) -> tuple[float, float]:
        lo, hi = percentile_ci(self.slope_boot)
        return (float(doubling_months(hi)), float(doubling_months(lo)))

    @property
    def slope_ci(self) -> tuple[float, float]:
        return percentile_ci(self.slope_boot)

    def annual_factor(self, slope: float | None = None) -> float:
        """Growth factor per year (10**slope); < 1 for a falling trend."""
        return float(10.0 ** (self.slope if slope is None else slope))

    def annual_factor_ci(self) -> tuple[float, float]:
        lo, hi = self.slope_ci
        return (10.0 ** lo, 10.0 ** hi)

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)

    def predict_boot(self, x: float) -> np.ndarray:
        """Bootstrap replicates of the fitted log10(y) at ``x``."""
        return self.intercept_boot + self.slope_boot * float(x)


def _weighted_line(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted OLS slope and intercept for every row of weights ``w`` (B × n)."""
    s1, sx, sy = w.sum(1), w @ x, w @ y
    sxx, sxy = w @ (x * x), w @ (x * y)
    den = s1 * sxx - sx * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(den > 1e-12 * np.maximum(s1 * sxx, 1e-300), (s1 * sxy - sx * sy) / den,
                         np.nan)
    return slope, (sy - slope * sx) / s1


def loglinear(x: np.ndarray, y: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> LinearTrend:
    """Fit log10(y) = a + b·x (y > 0) with a pairs bootstrap of b.

    Raises ``ValueError`` with fewer than three positive points: a line through two points
    has no interval.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
    x, ly = x[keep], np.log10(y[keep])
    if x.size < 3:
        raise ValueError(f"a log-linear trend needs at least 3 positive points, got {x.size}")
    x0 = float(x.mean())
    slope, icpt = _weighted_line(np.ones((1, x.size)), x - x0, ly)
    boot, boot_icpt = _weighted_line(bootstrap_weights(x.size, n_boot, seed), x - x0, ly)
    return LinearTrend(float(slope[0]), float(icpt[0] - slope[0] * x0), int(x.size), boot,
                       boot_icpt - boot * x0)


# --------------------------------------------------------------------------- segmented

@dataclass(frozen=True)
class SegmentedTrend:
    """Continuous two-segment trend of log10(y): slope ``pre`` before τ, ``post`` after."""

    break_year: float
    pre_slope: float
    post_slope: float
    intercept: float          # value of log10(y) at the break
    n: int
    n_pre: int
    n_post: int
    grid: np.ndarray          # candidate breaks
    profile_sse: np.ndarray   # residual sum of squares at each candidate (point estimate)
    break_boot: np.ndarray
    pre_boot: np.ndarray
    post_boot: np.ndarray

    @property
    def break_ci(self) -> tuple[float, float]:
        return percentile_ci(self.break_boot)

    def doubling(self, part: str) -> float:
        return float(doubling_months(self.pre_slope if part == "pre" else self.post_slope))

    def doubling_ci(self, part: str) -> tuple[float, float]:
        lo, hi = percentile_ci(self.pre_boot if part == "pre" else self.post_boot)
        return (float(doubling_months(hi)), float(doubling_months(lo)))

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return (self.intercept + self.pre_slope * (x - self.break_year)
                + (self.post_slope - self.pre_slope) * np.maximum(x - self.break_year, 0.0))


def _hinge_fits(w: np.ndarray, x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[
        np.ndarray, np.ndarray]:
    """For every weight row and candidate break: coefficients (B, G, 3) and SSE (B, G)."""
    h = np.maximum(x[:, None] - grid[None, :], 0.0)                 # n × G
    s1, sx, sxx = w.sum(1), w @ x, w @ (x * x)
    sy, sxy, syy = w @ y, w @ (x * y), w @ (y * y)
    sh, shh, sxh, shy = w @ h, w @ (h * h), w @ (x[:, None] * h), w @ (h * y[:, None])
    b, g = sh.shape
    a = np.empty((b, g, 3, 3))
    a[..., 0, 0], a[..., 0, 1], a[..., 0, 2] = s1[:, None], sx[:, None], sh
    a[..., 1, 1], a[..., 1, 2], a[..., 2, 2] = sxx[:, None], sxh, shh
    a[..., 1, 0], a[..., 2, 0], a[..., 2, 1] = a[..., 0, 1], a[..., 0, 2], a[..., 1, 2]
    rhs = np.stack([np.broadcast_to(sy[:, None], (b, g)), np.broadcast_to(sxy[:, None], (b, g)),
                    shy], axis=-1)
    det = np.linalg.det(a)
    scale = np.abs(a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2]) + 1e-300
    ok = np.abs(det) > 1e-10 * scale
    a[~ok] = np.eye(3)
    coef = np.linalg.solve(a, rhs[..., None])[..., 0]
    sse = syy[:, None] - np.einsum("bgk,bgk->bg", coef, rhs)
    return coef, np.where(ok, sse, np.inf)


def segmented(x: np.ndarray, y: np.ndarray, *, grid_step: float = 0.1, min_side: int = 8,
              bounds: tuple[float, float] | None = None, n_boot: int = 1000,
              seed: int = 0) -> SegmentedTrend:
    """Two-segment log-linear trend of y on x with the break estimated by profile least squares.

    Candidate breaks run on a ``grid_step`` grid between the ``min_side``-th smallest and
    largest x (or within ``bounds``), so both segments rest on data. The bootstrap resamples
    points and re-estimates the break each time.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
    x, ly = x[keep], np.log10(y[keep])
    if x.size < 2 * min_side:
        raise ValueError(f"a segmented trend needs at least {2 * min_side} points, got {x.size}")
    xs = np.sort(x)
    lo, hi = xs[min_side - 1], xs[-min_side]
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    grid = np.arange(math.ceil(lo / grid_step) * grid_step, hi + 1e-9, grid_step)
    if grid.size == 0:
        raise ValueError("no candidate break leaves enough points on both sides")
    x0 = float(x.mean())
    xc, gc = x - x0, grid - x0
    coef, sse = _hinge_fits(np.ones((1, x.size)), xc, ly, gc)
    j = int(np.argmin(sse[0]))
    tau = float(grid[j])
    a, b, c = coef[0, j]
    chunks = []
    for start in range(0, n_boot, 250):  # bounded memory; each chunk is one batched solve
        w = bootstrap_weights(x.size, min(250, n_boot - start), seed + start)
        bcoef, bsse = _hinge_fits(w, xc, ly, gc)
        jb = np.argmin(bsse, axis=1)
        pick = bcoef[np.arange(len(jb)), jb]
        chunks.append(np.column_stack([grid[jb], pick[:, 1], pick[:, 1] + pick[:, 2]]))
    boot = np.vstack(chunks) if chunks else np.empty((0, 3))
    return SegmentedTrend(
        break_year=tau, pre_slope=float(b), post_slope=float(b + c),
        intercept=float(a + b * (tau - x0)), n=int(x.size), n_pre=int((x < tau).sum()),
        n_post=int((x >= tau).sum()), grid=grid, profile_sse=sse[0],
        break_boot=boot[:, 0], pre_boot=boot[:, 1], post_boot=boot[:, 2])


# --------------------------------------------------------------------------- S-curves

def _logistic(t: np.ndarray, th: np.ndarray) -> np.ndarray:
    k_, r, t0 = th[..., 0:1], th[..., 1:2], th[..., 2:3]
    return k_ / (1.0 + np.exp(np.clip(-r * (t - t0), -700, 700)))


def _gompertz(t: np.ndarray, th: np.ndarray) -> np.ndarray:
    k_, r, t0 = th[..., 0:1], th[..., 1:2], th[..., 2:3]
    return k_ * np.exp(-np.exp(np.clip(-r * (t - t0), -700, 700)))


def _bass(t: np.ndarray, th: np.ndarray) -> np.ndarray:
    k_, p, q, tau = th[..., 0:1], th[..., 1:2], th[..., 2:3], th[..., 3:4]
    s = np.maximum(t - tau, 0.0)
    e = np.exp(-(p + q) * s)
    return k_ * (1.0 - e) / (1.0 + (q / p) * e)


@dataclass(frozen=True)
class Curve:
    """An S-curve family: vectorised model f(t, θ) and how to start and bound its fit."""

    name: str
    params: tuple[str, ...]
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]


CURVES: dict[str, Curve] = {
    "logistic": Curve("logistic", ("K", "rate", "t_mid"), _logistic),
    "gompertz": Curve("gompertz", ("K", "rate", "t_mid"), _gompertz),
    "bass": Curve("bass", ("K", "p", "q", "launch"), _bass),
}


def batch_lm(f: Callable[[np.ndarray, np.ndarray], np.ndarray], t: np.ndarray, y: np.ndarray,
             theta0: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, iters: int = 60,
             ) -> np.ndarray:
    """Levenberg–Marquardt for many data sets at once (rows of ``y``, B × n), box-bounded.

    Why: bootstrap replicates of a nonlinear fit share the design ``t``, so they can be
    refitted together with batched Jacobians (forward differences) and batched p × p solves,
    starting from the point estimate — fast and loop-free over replicates.
    """
    b, p = y.shape[0], theta0.shape[-1]
    th = np.broadcast_to(theta0, (b, p)).copy()
    lam = np.full(b, 1e-2)

    base = f(t, th)
    cur = ((y - base) ** 2).sum(1)
    eye = np.eye(p)
    stalled = 0
    for _ in range(iters):
        r = y - base
        step = 1e-6 * np.maximum(np.abs(th), 1e-3)
        jac = np.empty((b, t.size, p))
        for i in range(p):  # p ≤ 4 columns, not a loop over replicates
            shifted = th.copy()
            shifted[:, i] += step[:, i]
            jac[:, :, i] = (f(t, shifted) - base) / step[:, i:i + 1]
        jtj = np.einsum("bni,bnj->bij", jac, jac)
        g = np.einsum("bni,bn->bi", jac, r)
        damp = jtj + lam[:, None, None] * (jtj * eye + 1e-12 * eye)
        delta = np.linalg.solve(damp, g[..., None])[..., 0]
        cand = np.clip(th + delta, lower, upper)
        cand_fit = f(t, cand)
        new = ((y - cand_fit) ** 2).sum(1)
        better = np.isfinite(new) & (new < cur)
        gain = np.where(better, (cur - new) / np.maximum(cur, 1e-300), 0.0)
        th[better], cur[better], base[better] = cand[better], new[better], cand_fit[better]
        lam = np.where(better, lam * 0.3, lam * 10.0).clip(1e-9, 1e9)
        stalled = stalled + 1 if gain.max(initial=0.0) < 1e-9 else 0
        if stalled >= 3:  # every replicate has converged
            break
    return th


@dataclass(frozen=True)
class CurveFit:
    """One S-curve fitted to one series, with bootstrap replicates of its parameters."""

    model: str
    theta: np.ndarray         # point estimate
    theta_boot: np.ndarray    # replicates × parameters
    t: np.ndarray
    y: np.ndarray
    rmse: float
    at_bound: tuple[str, ...]  # parameters that ended on a bound (not identified)
    converged: bool

    def curve(self, t: np.ndarray, theta: np.ndarray | None = None) -> np.ndarray:
        th = self.theta if theta is None else theta
        return CURVES[self.model].f(np.asarray(t, dtype=float), np.atleast_2d(th))

    def landmark_samples(self, levels: tuple[float, ...] = (), *, step: float = 0.1,
                         span: float = 100.0) -> dict[str, np.ndarray]:
        """Inflection, first/second inflections (extremes of f''), their levels, the
        saturation and the year each of ``levels`` is first reached: name → array whose
        element 0 is the point estimate and the rest the bootstrap replicates.

        Read off a grid of ``step`` years from ``span`` years before the first observation to
        ``span`` after the last, for the estimate and every replicate at once (NaN where a
        level is never reached).
        """
        grid = np.arange(self.t.min() - span, self.t.max() + span + step / 2, step)
        th = np.vstack([self.theta[None, :], self.theta_boot])
        vals = CURVES[self.model].f(grid, th)                               # (1+B) × G
        d1 = np.gradient(vals, step, axis=1)
        d2 = np.gradient(d1, step, axis=1)
        if self.model == "bass":  # the curve starts with a kink at launch: look after it
            d2 = np.where(grid[None, :] > th[:, 3:4] + 2 * step, d2, np.nan)
        rows = np.arange(th.shape[0])
        i_mid = d1.argmax(1)
        i1, i2 = np.nanargmax(d2, axis=1), np.nanargmin(d2, axis=1)
        out = {
            "inflection_year": grid[i_mid], "inflection_level": vals[rows, i_mid],
            "first_inflection_year": grid[i1], "first_inflection_level": vals[rows, i1],
            "second_inflection_year": grid[i2], "second_inflection_level": vals[rows, i2],
            "saturation": th[:, 0].copy(),
        }
        for level in levels:
            reached = vals >= level
            first = reached.argmax(1)
            out[f"year_at_{level:g}"] = np.where(reached.any(1), grid[first], np.nan)
        return {k: np.asarray(v, dtype=float) for k, v in out.items()}

    def landmarks(self, levels: tuple[float, ...] = (), **kw: float
                  ) -> dict[str, tuple[float, float, float]]:
        """:meth:`landmark_samples` summarised: name → (estimate, ci_low, ci_high)."""
        return {k: summarise(v) for k, v in self.landmark_samples(levels, **kw).items()}


def summarise(samples: np.ndarray) -> tuple[float, float, float]:
    """(estimate, ci_low, ci_high) of an array whose element 0 is the point estimate."""
    lo, hi = percentile_ci(samples[1:])
    return (float(samples[0]), lo, hi)


def _start(model: str, t: np.ndarray, y: np.ndarray, k_max: float) -> tuple[np.ndarray, ...]:
    """Starting values and bounds from the data: saturation just above the maximum, the
    midpoint where the series crosses half of it, a rate from the series' span."""
    span = max(float(t.max() - t.min()), 1.0)
    ymax = float(y.max())
    k0 = min(max(ymax * 1.1, ymax + 1e-9), k_max)
    half = t[np.argmax(y >= k0 / 2)] if (y >= k0 / 2).any() else t.max()
    r0 = 8.0 / span
    if model == "bass":
        p0 = np.array([k0, 0.01, 0.4, t.min() - 1.0])
        lo = np.array([0.8 * ymax, 1e-5, 1e-3, t.min() - 80.0])
        hi = np.array([k_max, 0.5, 5.0, t.min()])
    else:
        p0 = np.array([k0, r0, float(half)])
        lo = np.array([0.8 * ymax, 1e-3, t.min() - 100.0])
        hi = np.array([k_max, 5.0, t.max() + 100.0])
    p0 = np.clip(p0, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    return p0, lo, hi


def fit_curve(model: str, t: np.ndarray, y: np.ndarray, *, k_max: float = 100.0,
              n_boot: int = 500, seed: int = 0) -> CurveFit:
    """Fit one S-curve (``logistic``, ``gompertz`` or ``bass``) with a residual bootstrap.

    ``k_max`` bounds the saturation level (100 for shares in %). A parameter that ends on its
    bound is reported in ``at_bound``: the data do not identify it (e.g. a series still
    growing exponentially has no saturation, hence no inflection, to find).
    """
    if model not in CURVES:
        raise ValueError(f"unknown curve {model!r}; choose one of {', '.join(CURVES)}")
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y)
    t, y = t[keep], y[keep]
    curve = CURVES[model]
    if t.size <= len(curve.params):
        raise ValueError(f"{model}: {t.size} points cannot identify {len(curve.params)} "
                         "parameters")
    p0, lo, hi = _start(model, t, y, k_max)

    def scalar(tt: np.ndarray, *th: float) -> np.ndarray:
        return curve.f(tt, np.array(th)[None, :])[0]

    converged = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theta, _ = curve_fit(scalar, t, y, p0=p0, bounds=(lo, hi), maxfev=20000)
        except (RuntimeError, ValueError):
            theta, converged = batch_lm(curve.f, t, y[None, :], p0, lo, hi, iters=200)[0], False
    fitted = scalar(t, *theta)
    resid = y - fitted
    rmse = float(np.sqrt(np.mean(resid ** 2)))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, t.size, size=(n_boot, t.size))
    y_boot = np.clip(fitted[None, :] + resid[idx], 0.0, None)
    theta_boot = (batch_lm(curve.f, t, y_boot, theta, lo, hi) if n_boot
                  else np.empty((0, theta.size)))
    tol = 1e-3 * (hi - lo)
    # the saturation's lower bound (80 % of the data maximum) is a guard, not a finding: only
    # its upper bound means "not identified"
    low_hit = (theta - lo < tol) & (np.arange(theta.size) > 0)
    at_bound = tuple(name for name, low, high in zip(curve.params, low_hit, hi - theta < tol,
                                                     strict=True) if low or high)
    return CurveFit(model, np.asarray(theta, dtype=float), theta_boot, t, y, rmse, at_bound,
                    converged)
