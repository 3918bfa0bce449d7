"""Uncertainty analysis: how much each economy's rank and index depend on the builder's choices.

Monte Carlo over the choices the source leaves open (weights, normalisation, aggregation within
pillars, imputation, leaving one indicator out — see `aidi.analysis.variants`), following the
OECD/JRC Handbook and COINr's `get_sensitivity(SA_type = "UA")`, but with every sample computed
as array operations on precomputed variants instead of a rebuild per sample.

All random inputs are drawn up front, `np.random.default_rng(seed).random((n, n_vars))`, so a
seed gives the same numbers on every backend and chunk size.

Presentation (tables, charts, sentences) is in `aidi.report.robustness` and
`aidi.report.writers`.

Failed replicates are reported, not dropped silently: `n_failed` per economy, a failure table
by reason and choice, and every statistic states its denominator (`n_valid`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.analysis.variants import (
    ChunkResult,
    UncertaintyConfig,
    VariantDesign,
    build_design,
    evaluate_samples,
)
from aidi.engine.pipeline import BuildResult
from aidi.errors import UsageError
from aidi.progress import Progress

__all__ = ["UncertaintyConfig", "UncertaintyResult", "factor_table", "least_certain",
           "run_uncertainty", "summarise"]

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class UncertaintyResult:
    """Every sample's inputs and outputs, and the design they came from."""

    design: VariantDesign
    inputs: np.ndarray          # (n_samples, n_vars) uniform inputs
    outputs: ChunkResult        # index, rank (n_samples, n_units), failure (n_samples,)
    seed: int
    backend: str
    seconds: float

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_failed_samples(self) -> int:
        return int(np.count_nonzero(self.outputs.failure))

    def summary(self) -> pd.DataFrame:
        """Per economy: nominal, median, 5th and 95th percentile of rank and index (→ CSV)."""
        return summarise(self.design, self.outputs)

    def choices(self) -> pd.DataFrame:
        """Each sample's choices (labels), failure flag and reason."""
        df = self.design.decode(self.inputs)
        df.insert(0, "sample", np.arange(self.n_samples))
        df["failed"] = self.outputs.failure > 0
        df["failure_reason"] = np.asarray(self.design.failure_reasons,
                                          dtype=object)[self.outputs.failure]
        return df

    def failures(self) -> pd.DataFrame:
        """Failed samples counted by reason and by the discrete choices that produced them, plus
        economies whose index was missing in otherwise valid samples."""
        cols = ["reason", "iso3", "normalisation", "aggregation", "imputation", "n_samples",
                "share_of_samples"]
        ch = self.choices()
        failed = ch[ch["failed"]]
        rows = []
        if len(failed):
            keys = ["failure_reason", "normalisation", "aggregation", "imputation"]
            for key, g in failed.groupby(keys, sort=True):
                rows.append({"reason": key[0], "iso3": "", "normalisation": key[1],
                             "aggregation": key[2], "imputation": key[3], "n_samples": len(g)})
        ok = self.outputs.failure == 0
        missing = np.isnan(self.outputs.index) & ok[:, None]
        for j in np.flatnonzero(missing.any(axis=0)):
            rows.append({"reason": "index missing or not finite for this economy (e.g. no data "
                                   "left in a pillar)", "iso3": self.design.units[j],
                         "normalisation": "", "aggregation": "", "imputation": "",
                         "n_samples": int(missing[:, j].sum())})
        df = pd.DataFrame(rows, columns=cols)
        df["share_of_samples"] = df["n_samples"] / max(self.n_samples, 1)
        return df

    def failure_message(self) -> str:
        """One line for the console and the report; empty when nothing failed."""
        n_fail = self.n_failed_samples
        nan_units = np.isnan(self.outputs.index) & (self.outputs.failure == 0)[:, None]
        if n_fail == 0 and not nan_units.any():
            return ""
        parts = []
        if n_fail:
            codes, counts = np.unique(self.outputs.failure[self.outputs.failure > 0],
                                      return_counts=True)
            why = "; ".join(f"{self.design.failure_reasons[c]} ({n})"
                            for c, n in zip(codes, counts, strict=True))
            parts.append(f"{n_fail} of {self.n_samples} samples ({n_fail / self.n_samples:.1%}) "
                         f"failed: {why}")
        if nan_units.any():
            parts.append(f"{int(nan_units.any(axis=1).sum())} further samples have a missing "
                         "index for some economies")
        return ". ".join(parts) + (". Statistics use the valid samples only; see n_valid and "
                                   "n_failed per economy and uncertainty_failures.csv.")


def run_uncertainty(result: BuildResult, n_samples: int = 1000, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy",
                    scheduler: str | None = None, chunk_size: int = 2000,
                    design: VariantDesign | None = None,
                    progress: Progress | None = None) -> UncertaintyResult:
    """Monte-Carlo uncertainty analysis of a nominal build (`progress`: samples evaluated).

    `backend="dask"` spreads the chunks over a Dask scheduler (threads by default, `"local"`
    for an in-process `LocalCluster`, or a scheduler address); results are identical to NumPy.
    """
    if n_samples < 1:
        raise UsageError("n_samples must be >= 1")
    started = time.perf_counter()
    design = design or build_design(result, config)
    u = np.random.default_rng(seed).random((n_samples, design.n_vars))
    out = evaluate_samples(design, u, backend=backend, scheduler=scheduler,
                           chunk_size=chunk_size, progress=progress)
    return UncertaintyResult(design, u, out, seed, backend, time.perf_counter() - started)


def _quantiles(x: np.ndarray) -> np.ndarray:
    """(3, n_units) 5th/50th/95th percentiles over valid samples (NaN if none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an economy with no valid sample
        return np.nanquantile(x, QUANTILES, axis=0) if x.shape[0] else \
            np.full((3, x.shape[1]), np.nan)


def _name(iso3: str) -> str:
    """English name for the CSV's `name` column (the code for units aidi does not know)."""
    from aidi.countries import name_en

    try:
        return name_en(iso3) or iso3
    except (KeyError, LookupError, ValueError):
        return iso3


def summarise(design: VariantDesign, out: ChunkResult) -> pd.DataFrame:
    """The `uncertainty.csv` table, one row per economy, ordered by nominal rank.

    Percentiles are R/COINr's type 7 (linear interpolation) over the samples in which the
    economy has a finite index; `n_valid + n_failed = n_samples` always.
    """
    n = out.index.shape[0]
    valid = ~np.isnan(out.index)
    q_rank, q_index = _quantiles(out.rank), _quantiles(out.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_rank, mean_index = np.nanmean(out.rank, axis=0), np.nanmean(out.index, axis=0)
        shift = np.nanmean(np.abs(out.rank - design.nominal_rank[None, :]), axis=0)
    df = pd.DataFrame({
        "iso3": list(design.units),
        "name": [_name(u) for u in design.units],
        "nominal_rank": design.nominal_rank,
        "median_rank": q_rank[1], "p05_rank": q_rank[0], "p95_rank": q_rank[2],
        "mean_rank": mean_rank,
        "rank_interval_width": q_rank[2] - q_rank[0],
        "mean_abs_rank_shift": shift,
        "nominal_index": design.nominal_index,
        "median_index": q_index[1], "p05_index": q_index[0], "p95_index": q_index[2],
        "mean_index": mean_index,
        "n_samples": n, "n_valid": valid.sum(axis=0), "n_failed": n - valid.sum(axis=0),
    })
    return df.sort_values(["nominal_rank", "iso3"], kind="stable").reset_index(drop=True)


def factor_table(design: VariantDesign) -> pd.DataFrame:
    """The uncertain choices and their levels (what the samples were drawn from)."""
    rows = []
    for f in design.factors:
        if not f.discrete:  # `weights`, or one level's weights (`weights.level2`)
            cfg = design.config
            how = (f"uniform ±{cfg.weight_spread:.0%} around the spec" if cfg.weights == "uniform"
                   else f"Dirichlet, concentration {cfg.dirichlet_concentration:g}")
            rows.append({"factor": f.name, "levels": how, "n_inputs": len(f.columns),
                         "nodes": ", ".join(f.nodes or design.weight_nodes)})
        else:
            rows.append({"factor": f.name, "levels": ", ".join(f.levels),
                         "n_inputs": 1, "nodes": ""})
    return pd.DataFrame(rows, columns=["factor", "levels", "n_inputs", "nodes"])


def least_certain(summary: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """The `k` economies with the widest 90% rank interval."""
    return summary.sort_values(["rank_interval_width", "nominal_rank"],
                               ascending=[False, True]).head(k)
