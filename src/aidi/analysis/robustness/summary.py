"""Per-unit summaries of a Monte-Carlo run accumulated chunk by chunk, in memory that does not
grow with the number of samples.

Two accumulators share one interface (`add(rows, chunk)` per evaluated chunk):

- `KeptOutputs` keeps every sample's index and rank (samples × units): the quantiles are
  exact (`aidi.analysis.uncertainty.summarise`, R/COINr type 7) and `--save-samples` can write
  every sample. The memory plan (`aidi.analysis.budget.plan_uncertainty`) uses it whenever it
  fits.
- `StreamingSummary` keeps, per unit, the count of valid samples, exact sums (rank and |rank −
  nominal rank| are whole numbers, so their sums are exact; the index sum is added in a fixed
  order, see below), the extremes, and two histograms of `BINS` bins — of the rank and of the
  index — on a window per unit set from a pilot (the range of the first `pilot_size(n)`
  samples, found by a first pass that keeps only each unit's extremes (`Extremes`), widened
  by `MARGIN` of it on each side), with one open bin below and one above. The pilot's samples
  are evaluated again in the main pass: a few percent more work, no samples × units array.

How exact the streaming quantiles are. A quantile is R's type 7 interpolation between two
order statistics, each read from its bin:
- rank windows are whole ranks; a window narrower than `BINS` ranks has bins one rank wide,
  and an order statistic in such a bin is exact — so the rank quantiles are exactly the kept
  samples' (the tests check equality with `numpy.nanquantile`) whenever every sample's rank
  falls in the window. Wider windows have bins of w ranks: the error is below w;
- index bins have width (window)/`BINS`; an order statistic is placed inside its bin as if
  the bin's values were evenly spread, so its error is below the bin width;
- an order statistic in an open bin lies between the window's edge and the unit's extreme
  (kept exactly): the error is below that gap. The smallest and largest order statistics are
  the extremes themselves, exact.
Each row of the summary states its bound (`rank_quantile_error`, `index_quantile_error`:
the largest over p05, median and p95); 0 means exact.

Order. Counts, extremes and whole-number sums do not depend on the order of the chunks. The
index sums do (floating point), so they are added in the order of the chunks, which is the
same on every backend (`aidi.analysis.robustness.backends` folds the chunks in order): the
same seed and chunk size give the same bits on NumPy and Dask.
"""

from __future__ import annotations

import warnings

import numpy as np

#: Bins per unit of each streaming histogram (between its window's edges).
BINS = 256
#: The pilot's range is widened by this share of itself on each side.
MARGIN = 0.5
#: Samples in the pilot that sets the windows (all of them for a shorter run).
PILOT = 128
QUANTILES = (0.05, 0.5, 0.95)
#: Units × bins per block when reading the quantiles (bounds their int64 temporaries).
BLOCK_CELLS = 1 << 22


def pilot_size(n_samples: int) -> int:
    return min(n_samples, PILOT)


def count_dtype(n_samples: int) -> type:
    """The smallest unsigned integer that counts every sample in one bin."""
    return np.uint16 if n_samples < 1 << 16 else np.uint32


class KeptOutputs:
    """Every sample's index, rank and failure code (and node scores with `n_nodes`)."""

    exact = True

    def __init__(self, n_samples: int, n_units: int, n_nodes: int = 0) -> None:
        self.index = np.empty((n_samples, n_units))
        self.rank = np.empty((n_samples, n_units))
        self.failure = np.zeros(n_samples, dtype=np.intp)
        self.nodes = np.empty((n_samples, n_units, n_nodes)) if n_nodes else None

    def add(self, rows: np.ndarray, chunk) -> None:
        self.index[rows] = chunk.index
        self.rank[rows] = chunk.rank
        self.failure[rows] = chunk.failure
        if self.nodes is not None:
            self.nodes[rows] = chunk.nodes


class Extremes:
    """The pilot pass's fold: each unit's smallest and largest rank and index (NaN = none)."""

    def __init__(self, n_units: int) -> None:
        self.low = {k: np.full(n_units, np.nan) for k in ("rank", "index")}
        self.high = {k: np.full(n_units, np.nan) for k in ("rank", "index")}

    def add(self, rows: np.ndarray, chunk) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a unit without a value
            for key, x in (("rank", chunk.rank), ("index", chunk.index)):
                np.fmin(self.low[key], np.nanmin(x, axis=0), out=self.low[key])
                np.fmax(self.high[key], np.nanmax(x, axis=0), out=self.high[key])


class Windows:
    """Per-unit histogram windows: bin k of unit u covers [lo_u + k·w_u, lo_u + (k+1)·w_u)."""

    def __init__(self, lo: np.ndarray, width: np.ndarray) -> None:
        self.lo, self.width = lo, width

    @classmethod
    def from_pilot(cls, lo: np.ndarray, hi: np.ndarray, integer: bool,
                   n_units: int) -> Windows:
        """Windows from the pilot's extremes per unit (NaN = no value; the pilot's overall
        range is used there) widened by `MARGIN`."""
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        if np.isnan(lo).all():
            g_lo, g_hi = (1.0, float(max(n_units, 1))) if integer else (0.0, 1.0)
        else:
            g_lo, g_hi = float(np.nanmin(lo)), float(np.nanmax(hi))
        lo, hi = np.where(np.isnan(lo), g_lo, lo), np.where(np.isnan(hi), g_hi, hi)
        span = hi - lo
        if integer:
            pad = np.ceil(np.maximum(MARGIN * span, 2.0))
            lo = np.maximum(1.0, lo - pad)
            hi = np.minimum(float(max(n_units, 1)), hi + pad)
            width = np.maximum(1.0, np.ceil((hi - lo + 1) / BINS))
        else:
            pad = np.where(span > 0, MARGIN * span,
                           np.maximum(np.abs(hi), 1.0) * 1e-6)
            lo = lo - pad
            width = (hi + pad - lo) / BINS
        return cls(lo, width)

    def bins(self, x: np.ndarray) -> np.ndarray:
        """Bin number per value: 0 below the window, 1..BINS inside, BINS + 1 above."""
        with np.errstate(invalid="ignore"):  # a missing value: any bin (it is not counted)
            k = np.nan_to_num(np.floor((x - self.lo) / self.width), nan=-1.0)
        return (np.clip(k, -1, BINS) + 1).astype(np.intp)


class StreamingSummary:
    """Per-unit accumulators of a run (see the module docstring); mergeable by `add` only in
    chunk order for the index sums."""

    exact = False

    def __init__(self, n_samples: int, nominal_rank: np.ndarray, pilot: Extremes) -> None:
        n_units = len(nominal_rank)
        self.n_units = n_units
        self.nominal_rank = np.asarray(nominal_rank, dtype=float)
        self.failure = np.zeros(n_samples, dtype=np.intp)
        self.missing_any = np.zeros(n_samples, dtype=bool)   # an economy without an index
        self.windows = {k: Windows.from_pilot(pilot.low[k], pilot.high[k], k == "rank", n_units)
                        for k in ("rank", "index")}
        dtype = count_dtype(n_samples)
        self.counts = {k: np.zeros((n_units, BINS + 2), dtype=dtype) for k in self.windows}
        self.low = {k: np.full(n_units, np.inf) for k in self.windows}
        self.high = {k: np.full(n_units, -np.inf) for k in self.windows}
        self.n_valid = np.zeros(n_units, dtype=np.int64)
        self.n_missing_ok = np.zeros(n_units, dtype=np.int64)  # missing in a valid sample
        self.sum_rank = np.zeros(n_units)
        self.sum_shift = np.zeros(n_units)
        self.sum_index = np.zeros(n_units)

    def add(self, rows: np.ndarray, chunk) -> None:
        """Fold one chunk (rows = its samples' positions in the run)."""
        self.failure[rows] = chunk.failure
        valid = ~np.isnan(chunk.index)
        ok = chunk.failure == 0
        self.missing_any[rows] = ok & ~valid.all(axis=1)
        self.n_missing_ok += (~valid & ok[:, None]).sum(axis=0)
        self.n_valid += valid.sum(axis=0)
        rank = np.where(valid, chunk.rank, 0.0)
        self.sum_rank += rank.sum(axis=0)
        self.sum_shift += np.where(valid, np.abs(rank - self.nominal_rank), 0.0).sum(axis=0)
        self.sum_index += np.where(valid, chunk.index, 0.0).sum(axis=0)
        for key, x in (("rank", chunk.rank), ("index", chunk.index)):
            self._histogram(key, x, valid)

    def _histogram(self, key: str, x: np.ndarray, valid: np.ndarray) -> None:
        b = self.windows[key].bins(x)
        flat = (b + (BINS + 2) * np.arange(self.n_units)[None, :])[valid]
        np.add.at(self.counts[key].reshape(-1), flat, 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a unit without a value
            np.fmin(self.low[key], np.nanmin(np.where(valid, x, np.nan), axis=0),
                    out=self.low[key])
            np.fmax(self.high[key], np.nanmax(np.where(valid, x, np.nan), axis=0),
                    out=self.high[key])

    # ---- reading it -------------------------------------------------------------------------
    def quantiles(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """((3, n_units) type-7 quantiles `QUANTILES`, (n_units,) largest error bound), a block
        of units at a time (the cumulative counts are (units × bins) int64)."""
        out = np.full((len(QUANTILES), self.n_units), np.nan)
        err = np.zeros(self.n_units)
        step = max(1, BLOCK_CELLS // (BINS + 2))
        for a in range(0, self.n_units, step):
            cols = slice(a, min(a + step, self.n_units))
            out[:, cols], err[cols] = self._quantiles(key, cols)
        return out, err

    def _quantiles(self, key: str, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        m = self.n_valid[cols]
        out = np.full((len(QUANTILES), len(m)), np.nan)
        err = np.zeros(len(m))
        has = m > 0
        counts = self.counts[key][cols].astype(np.int64)
        cum = np.cumsum(counts, axis=1)
        for i, q in enumerate(QUANTILES):
            vi = m * q + (1 + q * (1 - 1 - 1)) - 1  # numpy's virtual index, term for term
            prev = np.floor(vi)
            above, below = vi >= m - 1, vi < 0
            nxt = np.where(above, m - 1, np.where(below, 0, prev + 1))
            prev = np.where(above, m - 1, np.where(below, 0, prev))
            gamma = vi - np.floor(vi)
            a, ea = self._order_statistic(key, cols, counts, cum, prev.astype(np.int64))
            b, eb = self._order_statistic(key, cols, counts, cum, nxt.astype(np.int64))
            diff = b - a  # numpy's _lerp, term for term
            val = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
            out[i] = np.where(has, val, np.nan)
            err = np.maximum(err, np.where(has, np.maximum(ea, eb), 0.0))
        return out, err

    def _order_statistic(self, key: str, cols: slice, counts: np.ndarray, cum: np.ndarray,
                         k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The k-th smallest value per unit (0-based) and its error bound, from the histogram."""
        total = cum[:, -1]
        k = np.clip(k, 0, np.maximum(total - 1, 0))
        b = np.minimum((cum <= k[:, None]).sum(axis=1), BINS + 1)   # the bin holding it
        rows = np.arange(len(k))
        before = np.where(b > 0, cum[rows, np.maximum(b - 1, 0)], 0)
        pos = (k - before + 0.5) / np.maximum(counts[rows, b], 1)    # evenly spread in it
        lo, width = self.windows[key].lo[cols], self.windows[key].width[cols]
        low, high = self.low[key][cols], self.high[key][cols]
        edge = lo + (b - 1) * width
        left = np.maximum(np.where(b == 0, low, np.where(b == BINS + 1, lo + BINS * width,
                                                          edge)), low)
        right = np.minimum(np.where(b == 0, lo, np.where(b == BINS + 1, high, edge + width)),
                           high)
        inside = (b >= 1) & (b <= BINS)
        if key == "rank":  # whole ranks: a one-rank bin holds one value, exactly
            one = inside & (width == 1)
            val = np.where(one, left, np.floor(left + pos * (right - left)))
            gap = np.where(one, 0.0, right - left)
        else:
            val = left + pos * (right - left)
            gap = right - left
        ends = (k == 0) | (k == total - 1)  # the extremes are kept exactly
        val = np.where(k == 0, low, np.where(k == total - 1, high, val))
        return val, np.where(ends, 0.0, np.maximum(gap, 0.0))

    def means(self) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            n = np.where(self.n_valid > 0, self.n_valid, np.nan)
            return {"mean_rank": self.sum_rank / n, "mean_index": self.sum_index / n,
                    "mean_abs_rank_shift": self.sum_shift / n}
