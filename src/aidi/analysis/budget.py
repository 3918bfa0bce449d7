"""Memory budget of the Monte-Carlo and Sobol analyses: plan before allocating, refuse above a cap.

Why: a run that does not fit must be refused up front with its estimate and what to change,
never started and killed halfway (an out-of-memory crash loses the work and can take the
machine with it). Every big array of a run is known from the design's shapes before any is
allocated, so the plan below counts them term by term:

- `design`: the precomputed variants laid out node-major for the kernel (one copy of
  `VariantDesign.matrices`, made on first use) and the one-byte mask that classifies them;
- `inputs`: the uniform inputs, samples × variables;
- `outputs`: per-sample index and rank (samples × units each, exact quantiles), or — when
  those do not fit — the per-unit accumulators of `aidi.analysis.robustness.summary`
  (histograms of `summary.BINS` bins for rank and index, sums, extremes);
- `kernel`: one chunk of the batch kernel (`kernel_bytes`): the node-major block
  (nodes × chunk × units), the chunk's index, rank and requested node scores, and the tree
  pass's and the ranking's temporaries — once per worker thread evaluating at the same time;
- Sobol: the Saltelli inputs, the output matrix (evaluations × outputs) and the estimator's
  masks.

`KERNEL_TEMPORARIES` and `PER_INPUT_BYTES` were measured with `tracemalloc` on the shipped
specs and synthetic COINr tables (tests/test_budget.py checks that the plan is within 25 % of
the measured peak of the run, above and below). The chunk size follows: as many samples as
fit, capped at `TARGET_CELLS` units × samples per chunk — beyond that the kernel is no faster
(benchmarks/bench_scale.py), it only holds more memory.

The limit is `AIDI_MEMORY_LIMIT_GB` if set, else 4 GB, and never more than 80% of the
machine's physical memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from aidi.errors import UsageError

#: Default ceiling for one analysis, in bytes.
DEFAULT_LIMIT = 4 * 1024**3
#: Temporaries of one chunk beyond its block, index, rank and node scores, in (chunk × units)
#: float arrays: the tree pass's accumulator, product and result (three), one more for the
#: ratio to the reference unit — the ranking needs fewer (three beside the index). Where an
#: indicator can be missing the checked path runs (`separable_mean`): weights per cell, the
#: product and its masked copy add two.
KERNEL_TEMPORARIES = 4
KERNEL_TEMPORARIES_CHECKED = 6
#: Bytes per sample per uniform input in one chunk: the chunk's copy of its inputs, their
#: level indices, the perturbed weights and their per-level copies (measured: 3–4 floats).
PER_INPUT_BYTES = 40
#: The Sobol estimator's working set for one block of `SOBOL_BLOCK` outputs, in (evaluations
#: × block) floats (the block's copy, standardised copy, the S1/ST terms), and per row of the
#: result table (output × factor: numbers and labels).
SOBOL_BLOCK = 64
SOBOL_TEMPORARIES = 5
FRAME_ROW_BYTES = 256
#: What a run holds beyond its arrays — tables, SciPy's and SALib's state, Python objects:
#: a few MB whatever the size (it is most of the peak of a run of a few MB, nothing at scale).
OVERHEAD = 4 * 1024**2
#: Units × samples per chunk at which the kernel's speed levels off (2^18 cells: its arrays
#: are then a few MB each; larger chunks only hold more memory).
TARGET_CELLS = 1 << 18
#: Bytes per (sample, unit) row of the long table `--save-samples` writes.
SAVED_ROW_BYTES = 200
#: Bytes per unit of the streaming summary's windows, extremes, counts and sums (13 numbers).
STREAM_FIXED_PER_UNIT = 8 * 16
#: Bytes per (sample, unit) of a chunk the streaming summary's fold holds while binning it.
STREAM_PER_CELL = 48
#: `summarise`'s temporaries, in (samples × units of a block) floats, and its block size.
SUMMARY_TEMPORARIES = 6
SUMMARY_CELLS = 1 << 20


def memory_limit() -> int:
    """The byte ceiling for one analysis (see the module docstring)."""
    text = os.environ.get("AIDI_MEMORY_LIMIT_GB", "").strip()
    limit = DEFAULT_LIMIT
    if text:
        try:
            gb = float(text)
        except ValueError:
            raise UsageError(f"AIDI_MEMORY_LIMIT_GB must be a number of gigabytes, got "
                             f"{text!r}") from None
        if not (math.isfinite(gb) and gb > 0):
            raise UsageError(f"AIDI_MEMORY_LIMIT_GB must be > 0, got {text!r}")
        limit = int(gb * 1024**3)
    physical = _physical_memory()
    return min(limit, int(0.8 * physical)) if physical else limit


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return None


def gb(n: float) -> str:
    """Bytes for people: 1.4 GB; 37 MB below a tenth of a GB; 210 kB below a MB."""
    if n >= 0.1 * 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{n / 1024:.0f} kB"


# ---- the terms --------------------------------------------------------------------------------
def kernel_bytes(design, chunk: int, n_nodes_out: int = 0) -> int:
    """Peak bytes of one `VariantDesign.evaluate` call on `chunk` samples returning
    `n_nodes_out` node scores per unit (see the module docstring)."""
    from aidi.engine.tree import FINITE

    n_units, n_nodes = len(design.units), len(design.tree.all_ids)
    checked = not (design.indicator_state >= FINITE).all()
    per_cell = n_nodes + 1 + 1 + n_nodes_out + \
        (KERNEL_TEMPORARIES_CHECKED if checked else KERNEL_TEMPORARIES)
    return 8 * chunk * n_units * per_cell + PER_INPUT_BYTES * chunk * max(design.n_vars, 1)


def design_bytes(design) -> int:
    """What the kernel adds to a built design on first use: the node-major copy of the
    variants (skipped when already made) and its one-byte classification mask."""
    if "node_major_matrices" in getattr(design, "__dict__", {}):
        return 0
    return 9 * int(design.matrices.size)


def stream_bytes(design, n_samples: int) -> int:
    """The streaming summary: two histograms of `BINS` + 2 counts per unit (two or four bytes
    each, by the number of samples), its per-unit windows, extremes and sums."""
    from aidi.analysis.robustness.summary import BINS, count_dtype

    n_units = len(design.units)
    size = np.dtype(count_dtype(n_samples)).itemsize
    return 2 * size * n_units * (BINS + 2) + STREAM_FIXED_PER_UNIT * n_units


@dataclass(frozen=True)
class MemoryPlan:
    """How a run uses memory: `chunk` samples per kernel call on each of `workers` threads,
    per-sample outputs kept (`keep_samples`) or summarised per chunk, the estimate of the
    whole run's peak and its terms (bytes)."""

    chunk: int
    keep_samples: bool
    workers: int
    limit: int
    parts: dict[str, int] = field(default_factory=dict)
    pilot: int = 0

    @property
    def estimate(self) -> int:
        return int(sum(self.parts.values()))

    def describe(self) -> str:
        terms = ", ".join(f"{k} {gb(v)}" for k, v in self.parts.items() if v)
        how = "per-sample outputs kept" if self.keep_samples else \
            "outputs summarised per chunk (streaming)"
        return (f"about {gb(self.estimate)} of {gb(self.limit)} ({terms}); chunks of "
                f"{self.chunk:,} samples × {self.workers} worker(s); {how}")


def _default_chunk(design, n: int, cap: int) -> int:
    return max(1, min(n, cap, max(1, TARGET_CELLS // max(len(design.units), 1))))


# ---- uncertainty ----------------------------------------------------------------------------------
def plan_uncertainty(design, n_samples: int, *, chunk_size: int | None = None,
                     keep_samples: bool | None = None, save_samples: bool = False,
                     workers: int = 1, in_flight: int = 0,
                     limit: int | None = None) -> MemoryPlan:
    """The memory plan of `run_uncertainty`, or `UsageError` with the estimate and what to
    change when no plan fits. `keep_samples=None` keeps the per-sample outputs (exact
    quantiles) when they fit beside a chunk of the default size, else summarises per chunk;
    `workers` chunks are evaluated at once and `in_flight` chunk results may wait to be
    folded (a Dask cluster)."""
    from aidi.analysis.robustness.summary import pilot_size

    limit = memory_limit() if limit is None else limit
    n_units = len(design.units)
    fixed = {"design": design_bytes(design), "inputs": 8 * n_samples * (design.n_vars + 2),
             "overhead": OVERHEAD}
    kept = 16 * n_samples * n_units + (SAVED_ROW_BYTES * n_samples * n_units
                                       if save_samples else 0)
    # chunk results waiting on the client, and (when workers compute meanwhile) the fold's
    # temporaries; on NumPy the fold runs after the chunk's kernel arrays are freed
    per_sample = kernel_bytes(design, 1) * workers + 16 * n_units * in_flight
    if in_flight and keep_samples is False:
        per_sample += STREAM_PER_CELL * n_units
    if keep_samples is None:
        first = _default_chunk(design, n_samples, 1 << 62)
        keep_samples = save_samples or \
            sum(fixed.values()) + kept + per_sample * first <= limit
    if save_samples and not keep_samples:
        raise UsageError("--save-samples needs every sample's outputs, which a streaming "
                         "summary does not keep; leave out --save-samples")
    pilot = 0 if keep_samples else pilot_size(n_samples)
    acc = kept if keep_samples else stream_bytes(design, n_samples)
    cap = int((limit - sum(fixed.values()) - acc) // per_sample)
    chunk = _check_chunk(design, "uncertainty", n_samples, chunk_size, cap, fixed, acc,
                         per_sample, limit, keep_samples, _fits_samples(design, limit,
                                                                        keep_samples))
    name = "outputs" if keep_samples else "summary"
    parts = {**fixed, name: acc, "kernel": per_sample * chunk}
    if keep_samples:  # `summarise` works on column blocks after the chunks are done
        parts["kernel"] = max(parts["kernel"], SUMMARY_TEMPORARIES * 8 *
                              min(n_samples * n_units, SUMMARY_CELLS))
    return MemoryPlan(chunk, keep_samples, workers, limit, parts, pilot)


def _fits_samples(design, limit: int, keep: bool) -> int:
    """The most samples a plan fits (one sample per chunk), for the refusal's advice."""
    n_units = len(design.units)
    per = 8 * (design.n_vars + 2) + (16 * n_units if keep else 0)
    rest = limit - OVERHEAD - design_bytes(design) - kernel_bytes(design, 1) - \
        (0 if keep else stream_bytes(design, 1 << 20) + STREAM_PER_CELL * n_units)
    return max(0, int(rest // per))


def _check_chunk(design, what: str, n: int, chunk_size: int | None, cap: int,
                 fixed: dict[str, int], acc: int, per_sample: int, limit: int,
                 keep: bool, fits: int, n_rows: int | None = None) -> int:
    """The chunk size (`chunk_size` or the default for `n_rows` evaluations, default `n`), or
    `UsageError` naming what to change (`n` = the --samples asked for)."""
    if chunk_size is not None and chunk_size < 1:
        raise UsageError("--chunk-size must be >= 1")
    if cap >= 1 and (chunk_size is None or chunk_size <= cap):
        return chunk_size or _default_chunk(design, n_rows or n, cap)
    need = sum(fixed.values()) + acc + per_sample * (chunk_size or 1)
    terms = ", ".join(f"{k} {gb(v)}" for k, v in
                      {**fixed, ("outputs" if keep else "summary"): acc}.items() if v)
    if chunk_size is not None and cap >= 1:
        raise UsageError(
            f"{what}: --chunk-size {chunk_size:,} would need about {gb(need)} of memory "
            f"({gb(per_sample)} per sample of a chunk), above the limit of {gb(limit)}; use "
            f"--chunk-size {cap:,} or less, or leave it out (it is chosen from the limit)")
    advice = (f"use --samples {fits:,} or fewer, or " if fits >= 1 else
              "give fewer alternatives (--normalisations, --no-imputation, …) or fewer "
              "units, or ")
    raise UsageError(
        f"{what} with --samples {n:,} on {len(design.units):,} units would need about "
        f"{gb(need)} of memory even one sample per chunk ({terms}, {gb(per_sample)} per "
        f"sample of a chunk), above the limit of {gb(limit)}; {advice}run it where there is "
        "more memory: raise AIDI_MEMORY_LIMIT_GB on a machine that has it, or --backend dask "
        "--scheduler tcp://HOST:8786 with workers that do (docs/scale.md)")


def check_uncertainty(design, n_samples: int, save_samples: bool = False,
                      limit: int | None = None, chunk_size: int | None = None,
                      workers: int = 1) -> int:
    """Refuse (UsageError) a Monte-Carlo run no plan fits; returns the estimate in bytes."""
    return plan_uncertainty(design, n_samples, chunk_size=chunk_size,
                            save_samples=save_samples, workers=workers, limit=limit).estimate


# ---- sensitivity --------------------------------------------------------------------------------
def sobol_base(n_base: int) -> int:
    """Sobol base samples as run: `n_base` rounded up to a power of 2 (Sobol' sequences)."""
    return 1 << max(0, math.ceil(math.log2(max(1, n_base))))


def sensitivity_outputs(design, outputs: Sequence[str]) -> tuple[int, int]:
    """(columns analysed, extra per-unit arrays kept beside them): index and rank are kept
    for the result even when not analysed."""
    n_units = len(design.units)
    n_p = len(design.tree.nodes[-1].children)
    cols = sum(1 if o == "mean_rank_shift" else n_units * (n_p if o == "pillars" else 1)
               for o in outputs)
    extra = sum(1 for k in ("index", "rank") if k not in outputs)
    return cols, extra


def plan_sensitivity(design, n_base: int, outputs: Sequence[str] = ("index", "rank"), *,
                     chunk_size: int | None = None, workers: int = 1, in_flight: int = 0,
                     num_resamples: int = 100, limit: int | None = None) -> MemoryPlan:
    """The memory plan of `run_sensitivity`: N·(D+2) evaluations, their inputs (and the
    sampler's copies), the output matrix (all of it: the estimator and its bootstrap need
    every block), index and rank if not analysed, the estimator's masks and working set, and
    one chunk per worker."""
    limit = memory_limit() if limit is None else limit
    n_units = len(design.units)
    cols, extra = sensitivity_outputs(design, outputs)
    n_out = len(design.tree.nodes[-1].children) if "pillars" in outputs else 0
    per_sample = kernel_bytes(design, 1, n_out) * workers + \
        8 * n_units * (2 + n_out) * in_flight
    fixed = _sobol_fixed(design, sobol_base(n_base), cols, extra, num_resamples)
    cap = int((limit - _sobol_need(fixed, 0)) // per_sample)
    fits = 0
    while _sobol_need(_sobol_fixed(design, 2 * max(fits, 1), cols, extra, num_resamples),
                      per_sample) <= limit and fits < 1 << 40:
        fits = 2 * max(fits, 1)
    n_eval = sobol_base(n_base) * (len(design.factors) + 2)
    chunk = _check_chunk(design, "sensitivity", n_base, chunk_size, cap, fixed, 0, per_sample,
                         limit, True, fits, n_eval)
    # the sampler's copies, the evaluations and the estimator follow one another
    work = {"sampler": fixed.pop("sampler"), "kernel": per_sample * chunk,
            "estimator": fixed.pop("estimator")}
    top = max(work, key=lambda k: work[k])
    return MemoryPlan(chunk, True, workers, limit, {**fixed, top: work[top]})


def _sobol_need(fixed: dict[str, int], kernel: int) -> int:
    """Peak of a Sobol run: what stays, plus the largest of the phases that follow one another."""
    phases = ("sampler", "estimator")
    return sum(v for k, v in fixed.items() if k not in phases) + \
        max(kernel, *(fixed[k] for k in phases))


def _sobol_fixed(design, n_base: int, cols: int, extra: int,
                 resamples: int) -> dict[str, int]:
    """The Sobol run's terms that do not depend on the chunk (see `plan_sensitivity`)."""
    d = len(design.factors)
    n_eval = n_base * (d + 2)
    block = min(cols, SOBOL_BLOCK)
    return {"design": design_bytes(design), "overhead": OVERHEAD,
            "inputs": 8 * n_eval * (design.n_vars + 2),
            "sampler": 16 * n_eval * design.n_vars,
            "outputs": 8 * n_eval * (cols + extra * len(design.units)) + 2 * n_eval * cols,
            "estimator": 8 * (SOBOL_TEMPORARIES * n_eval * block + 4 * resamples * d * block
                              + 2 * resamples * n_base) + FRAME_ROW_BYTES * cols * d}


def check_sensitivity(design, n_base: int, outputs: Sequence[str] = ("index", "rank"),
                      limit: int | None = None, chunk_size: int | None = None,
                      workers: int = 1) -> int:
    """Refuse (UsageError) a Sobol run no plan fits; returns the estimate."""
    return plan_sensitivity(design, n_base, outputs, chunk_size=chunk_size, workers=workers,
                            limit=limit).estimate
