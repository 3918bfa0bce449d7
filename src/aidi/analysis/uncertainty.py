"""Uncertainty analysis: how much each economy's rank and index depend on the builder's choices.

Monte Carlo over the choices the source leaves open (weights, normalisation, aggregation within
pillars, imputation, leaving one indicator out — see `aidi.analysis.robustness`), following the
OECD/JRC Handbook and COINr's `get_sensitivity(SA_type = "UA")`, but with every sample computed
as array operations on precomputed variants instead of a rebuild per sample.

All random inputs are drawn up front, `np.random.default_rng(seed).random((n, n_vars))`, so a
seed gives the same numbers on every backend and chunk size.

Memory. The run follows a plan made before anything is allocated
(`aidi.analysis.budget.plan_uncertainty`): chunks sized to the memory limit and, when every
sample's index and rank (samples × units) fit, those are kept and the quantiles are exact;
otherwise each chunk is folded into per-unit histograms and sums
(`aidi.analysis.robustness.summary`, which says how exact that is: ranks exact while a unit's
ranks stay in a window of 256, otherwise within a stated bound per economy), and the summary
carries `rank_quantile_error` and `index_quantile_error`. A run no plan fits is refused with
the estimate and what to change.

Presentation (tables, charts, sentences) is in `aidi.report.robustness` and
`aidi.report.writers`.

Failed replicates are reported, not dropped silently: `n_failed` per economy, a failure table
by reason and choice, and every statistic states its denominator (`n_valid`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aidi.analysis.budget import SUMMARY_CELLS, MemoryPlan, plan_uncertainty
from aidi.analysis.robustness.backends import chunk_rows, dask_workers, session
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.evaluate import ChunkResult
from aidi.analysis.robustness.summary import (
    QUANTILES,
    Extremes,
    KeptOutputs,
    StreamingSummary,
)
from aidi.analysis.robustness.variant_design import VariantDesign
from aidi.engine.pipeline import BuildResult
from aidi.errors import UsageError
from aidi.progress import Progress

__all__ = ["UncertaintyConfig", "UncertaintyResult", "factor_table", "least_certain",
           "run_uncertainty", "summarise"]

@dataclass(frozen=True)
class UncertaintyResult:
    """Every sample's inputs and outputs, and the design they came from."""

    design: VariantDesign
    inputs: np.ndarray          # (n_samples, n_vars) uniform inputs
    outputs: ChunkResult | None  # index, rank (n_samples, n_units), failure (n_samples,)
    seed: int
    backend: str
    seconds: float
    #: the per-chunk summary when the per-sample outputs were not kept (`outputs` is None)
    stream: StreamingSummary | None = None
    plan: MemoryPlan | None = None

    @property
    def failure(self) -> np.ndarray:
        """Failure code per sample (0 = valid)."""
        return self.outputs.failure if self.outputs is not None else self.stream.failure

    @property
    def exact(self) -> bool:
        """Whether the quantiles are exact (every sample kept) or read from histograms."""
        return self.outputs is not None

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_failed_samples(self) -> int:
        return int(np.count_nonzero(self.failure))

    def summary(self) -> pd.DataFrame:
        """Per economy: nominal, median, 5th and 95th percentile of rank and index (→ CSV)."""
        if self.outputs is None:
            return summarise_stream(self.design, self.stream)
        return summarise(self.design, self.outputs)

    def choices(self) -> pd.DataFrame:
        """Each sample's choices (labels), failure flag and reason."""
        df = self.design.decode(self.inputs)
        df.insert(0, "sample", np.arange(self.n_samples))
        df["failed"] = self.failure > 0
        df["failure_reason"] = np.asarray(self.design.failure_reasons,
                                          dtype=object)[self.failure]
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
        for j, k in enumerate(self._missing_per_unit()):
            if k:
                rows.append({"reason": "index missing or not finite for this economy (e.g. no "
                                       "data left in a pillar)", "iso3": self.design.units[j],
                             "normalisation": "", "aggregation": "", "imputation": "",
                             "n_samples": int(k)})
        df = pd.DataFrame(rows, columns=cols)
        df["share_of_samples"] = df["n_samples"] / max(self.n_samples, 1)
        return df

    def failure_message(self) -> str:
        """One line for the console and the report; empty when nothing failed."""
        n_fail = self.n_failed_samples
        n_missing = int(self._missing_any().sum())
        if n_fail == 0 and not n_missing:
            return ""
        parts = []
        if n_fail:
            codes, counts = np.unique(self.failure[self.failure > 0], return_counts=True)
            why = "; ".join(f"{self.design.failure_reasons[c]} ({n})"
                            for c, n in zip(codes, counts, strict=True))
            parts.append(f"{n_fail} of {self.n_samples} samples ({n_fail / self.n_samples:.1%}) "
                         f"failed: {why}")
        if n_missing:
            parts.append(f"{n_missing} further samples have a missing index for some "
                         "economies")
        return ". ".join(parts) + (". Statistics use the valid samples only; see n_valid and "
                                   "n_failed per economy and uncertainty_failures.csv.")


    def _missing_per_unit(self) -> np.ndarray:
        """Per economy: valid samples in which its index is missing."""
        if self.outputs is None:
            return self.stream.n_missing_ok
        ok = self.outputs.failure == 0
        return (np.isnan(self.outputs.index) & ok[:, None]).sum(axis=0)

    def _missing_any(self) -> np.ndarray:
        """Per sample: valid, but some economy's index is missing."""
        if self.outputs is None:
            return self.stream.missing_any
        ok = self.outputs.failure == 0
        return (np.isnan(self.outputs.index) & ok[:, None]).any(axis=1)


def run_uncertainty(result: BuildResult, n_samples: int = 1000, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy",
                    scheduler: Any = None, chunk_size: int | None = None,
                    design: VariantDesign | None = None,
                    keep_samples: bool | None = None,
                    progress: Progress | None = None,
                    save_samples: bool = False) -> UncertaintyResult:
    """Monte-Carlo uncertainty analysis of a nominal build (`progress`: samples evaluated).

    `backend="dask"` runs the chunks on a `dask.distributed` cluster (a LocalCluster by
    default, a scheduler address, or a `Client`; see `aidi.analysis.robustness.backends`);
    results are identical to NumPy. `chunk_size` (samples per kernel call) and `keep_samples`
    (keep every sample's outputs) default to the memory plan's (`aidi.analysis.budget`),
    which refuses a run that does not fit before anything is allocated; `save_samples` (every
    sample is to be written) keeps them and counts the written table in that plan.
    """
    if n_samples < 1:
        raise UsageError("n_samples must be >= 1")
    started = time.perf_counter()
    design = design or build_design(result, config)
    workers = dask_workers(scheduler) if backend == "dask" else 1
    plan = plan_uncertainty(design, n_samples, chunk_size=chunk_size,
                            keep_samples=keep_samples, save_samples=save_samples,
                            workers=workers)
    u = np.random.default_rng(seed).random((n_samples, design.n_vars))
    with session(design, u, backend, scheduler, progress=progress) as run:
        if plan.keep_samples:
            kept = KeptOutputs(n_samples, len(design.units))
            run(chunk_rows(design, u, plan.chunk), kept.add)
            out, stream = ChunkResult(kept.index, kept.rank, kept.failure), None
        else:
            out, stream = None, _stream(design, u, plan, run)
    return UncertaintyResult(design, u, out, seed, backend, time.perf_counter() - started,
                             stream, plan)


def _stream(design: VariantDesign, u: np.ndarray, plan: MemoryPlan, run) -> StreamingSummary:
    """The streaming summary: a pilot pass over the first samples finds each unit's range
    (its windows), then every sample is folded into the histograms."""
    pilot = Extremes(len(design.units))
    run(chunk_rows(design, u, plan.chunk, rows=np.arange(plan.pilot)), pilot.add)
    stream = StreamingSummary(len(u), design.nominal_rank, pilot)
    run(chunk_rows(design, u, plan.chunk), stream.add)
    return stream


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
    n, n_units = out.index.shape
    keys = ("p05_rank", "median_rank", "p95_rank", "p05_index", "median_index", "p95_index",
            "mean_rank", "mean_index", "mean_abs_rank_shift", "n_valid")
    stats = {k: np.empty(n_units) for k in keys}
    # a block of units at a time: the temporaries stay SUMMARY_CELLS whatever the run's size
    step = max(1, SUMMARY_CELLS // max(n, 1))
    for a in range(0, n_units, step):
        cols = slice(a, a + step)
        index, rank = out.index[:, cols], out.rank[:, cols]
        for kind, x in (("rank", rank), ("index", index)):
            q = _quantiles(x)
            for i, name in enumerate(("p05", "median", "p95")):
                stats[f"{name}_{kind}"][cols] = q[i]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            stats["mean_rank"][cols] = np.nanmean(rank, axis=0)
            stats["mean_index"][cols] = np.nanmean(index, axis=0)
            stats["mean_abs_rank_shift"][cols] = np.nanmean(
                np.abs(rank - design.nominal_rank[None, cols]), axis=0)
        stats["n_valid"][cols] = (~np.isnan(index)).sum(axis=0)
    return _table(design, stats, n)


def summarise_stream(design: VariantDesign, stream: StreamingSummary) -> pd.DataFrame:
    """`summarise` from a streaming summary: the same columns, the quantiles read from the
    histograms, and each economy's bound on their error (`rank_quantile_error`,
    `index_quantile_error`; 0 = exact) — see `aidi.analysis.robustness.summary`."""
    stats: dict[str, np.ndarray] = {"n_valid": stream.n_valid, **stream.means()}
    for kind in ("rank", "index"):
        q, err = stream.quantiles(kind)
        for i, name in enumerate(("p05", "median", "p95")):
            stats[f"{name}_{kind}"] = q[i]
        stats[f"{kind}_quantile_error"] = err
    return _table(design, stats, len(stream.failure))


def _table(design: VariantDesign, st: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    n_valid = np.asarray(st["n_valid"]).astype(np.int64)
    df = pd.DataFrame({
        "iso3": list(design.units),
        "name": [_name(u) for u in design.units],
        "nominal_rank": design.nominal_rank,
        "median_rank": st["median_rank"], "p05_rank": st["p05_rank"],
        "p95_rank": st["p95_rank"], "mean_rank": st["mean_rank"],
        "rank_interval_width": st["p95_rank"] - st["p05_rank"],
        "mean_abs_rank_shift": st["mean_abs_rank_shift"],
        "nominal_index": design.nominal_index,
        "median_index": st["median_index"], "p05_index": st["p05_index"],
        "p95_index": st["p95_index"], "mean_index": st["mean_index"],
        "n_samples": n, "n_valid": n_valid, "n_failed": n - n_valid,
        **{k: st[k] for k in ("rank_quantile_error", "index_quantile_error") if k in st},
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
