"""Benchmark: throughput of the batch kernel against a plain NumPy pass, in one process.

    python benchmarks/bench_kernel.py [--samples 10000] [--repeat 3]

For the AIDI 2024 spec (and ASEM when the COINr tables are found) it measures, best of
`--repeat`:

- the kernel: `evaluate_samples` (what `Build.uncertainty` runs) on `--samples` uniform input
  rows, in its default chunks — gather each sample's precomputed indicator matrix, per-sample
  weights, the tree pass, ranks;
- the NumPy pass: one weighted sum over an array of the same shape (samples × units ×
  indicators) — the floor any vectorised evaluation is compared with;
- a per-sample rebuild (`naive_evaluate`, COINr's way) on a few samples, per replicate.

It prints cells/s (samples × units × indicators per second) of each and their ratios. Every
number printed is measured in this run; nothing is typed in.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(name: str, build, config, n: int, repeat: int, n_naive: int) -> None:
    from aidi.analysis.robustness.backends import evaluate_samples
    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.robustness.oracle import naive_evaluate

    design = build_design(build.result, config)
    u = np.random.default_rng(0).random((n, design.n_vars))
    n_units, n_ind = len(design.units), len(design.indicator_ids)
    cells = n * n_units * n_ind
    evaluate_samples(design, u[:100])  # warm up
    t_kernel = _best(lambda: evaluate_samples(design, u), repeat)
    x = np.random.default_rng(1).random((n, n_units, n_ind))
    w = np.random.default_rng(2).random((n, n_ind))
    t_numpy = _best(lambda: np.einsum("sui,si->su", x, w), repeat)
    t0 = time.perf_counter()
    naive_evaluate(design, build.result, build.observations, u[:n_naive])
    t_naive = (time.perf_counter() - t0) / n_naive
    print(f"{name}: {n:,} samples × {n_units} units × {n_ind} indicators = {cells:,} cells; "
          f"factors: {', '.join(f.name for f in design.factors)}")
    print(f"  kernel      {t_kernel * 1e3:9.1f} ms  {cells / t_kernel / 1e6:9.1f} M cells/s  "
          f"{t_kernel / n * 1e6:8.2f} µs per replicate")
    print(f"  NumPy pass  {t_numpy * 1e3:9.1f} ms  {cells / t_numpy / 1e6:9.1f} M cells/s")
    print(f"  rebuild     {t_naive * 1e3:9.1f} ms per replicate (mean of {n_naive})")
    print(f"  kernel is {t_kernel / t_numpy:.1f}× the NumPy pass; a rebuild per replicate is "
          f"{t_naive / (t_kernel / n):,.0f}× the kernel's per-replicate cost")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive", type=int, default=20)
    args = ap.parse_args()

    import aidi
    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.rawdata import find_raw_dir

    measure("AIDI 2024", aidi.build(), UncertaintyConfig(), args.samples, args.repeat,
            args.naive)
    raw = find_raw_dir()
    if raw is not None and (raw / "coinr_asem").is_dir():
        # COINr's sensitivity vignette factors: weights noise, normalisation, aggregation,
        # winsorisation limit
        config = UncertaintyConfig(normalisations=("minmax", "zscore", "rank"),
                                   imputations=(), leave_one_out=False,
                                   winsorisation=(3, 4, 5, 6, 7), aggregation_scope="all")
        measure("ASEM (COINr)", aidi.build("asem"), config, args.samples, args.repeat,
                args.naive)
    else:
        print("ASEM: COINr tables not found (AIDI_RAW_DIR); skipped")


if __name__ == "__main__":
    main()
