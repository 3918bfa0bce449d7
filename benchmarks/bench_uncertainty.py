"""Benchmark: 10,000 uncertainty samples for the 20 economies, against a per-sample rebuild loop.

    python benchmarks/bench_uncertainty.py [--samples 10000] [--naive 200] [--backend numpy]

Runs on the real AIDI spec and snapshot when they load, else on the synthetic 20-economy index
of the tests. Prints, measured in the same run:

- the vectorised run end to end (precompute the variants, draw the inputs, evaluate every
  sample in chunks, summarise) — best of `--repeat`;
- the naive loop: one full `pipeline.build` per sample with the sample's choices written into
  the spec (what COINr does), on `--naive` samples, extrapolated per sample to N;
- a second baseline: the same precomputed design evaluated one sample at a time, which isolates
  the gain from batching alone.

Not a test: there are no timed assertions anywhere in the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _reference import describe, load_reference


def _inputs(synthetic: bool):
    if not synthetic:
        try:
            import aidi

            b = aidi.build()
            return ("AIDI 2024 spec + shipped snapshot", b.inputs.spec, b.inputs.observations,
                    b.result)
        except Exception as exc:  # noqa: BLE001 - fall back to synthetic data, say why
            print(f"(real spec/data unavailable: {exc}; using the synthetic index)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests._robustness_data import synthetic_build

    spec, obs, result = synthetic_build()
    return "synthetic 20-economy index", spec, obs, result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--naive", type=int, default=200, help="samples in the naive loop")
    ap.add_argument("--backend", default="numpy", choices=["numpy", "dask"])
    ap.add_argument("--chunk-size", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--synthetic", action="store_true", help="use the synthetic index")
    args = ap.parse_args(argv)

    import numpy as np

    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.robustness.oracle import naive_evaluate
    from aidi.analysis.uncertainty import run_uncertainty

    t0 = time.perf_counter()
    label, spec, obs, result = _inputs(args.synthetic)
    t_nominal = time.perf_counter() - t0
    d = build_design(result)
    print(f"data: {label}; {len(result.units)} economies, {len(result.tree.indicator_ids)} "
          f"indicators, {len(result.tree.aggregate_ids)} aggregates; {d.n_vars} uniform inputs "
          f"over factors {[f.name for f in d.factors]}")
    print(f"machine: {os.cpu_count()} CPUs; nominal build (load + build, once): {t_nominal:.2f} s")

    # warm-up (imports, first-call overheads), then best of `repeat`
    run_uncertainty(result, 100, args.seed, backend=args.backend, chunk_size=args.chunk_size)
    times, res = [], None
    for _ in range(args.repeat):
        t = time.perf_counter()
        res = run_uncertainty(result, args.samples, args.seed, backend=args.backend,
                              chunk_size=args.chunk_size)
        res.summary()
        times.append(time.perf_counter() - t)
    t_fast = min(times)
    assert res is not None
    print(f"vectorised ({args.backend}, chunks of {args.chunk_size}): {args.samples:,} samples "
          f"in {t_fast:.3f} s (best of {args.repeat}: {', '.join(f'{x:.3f}' for x in times)}) "
          f"= {t_fast / args.samples * 1e6:.1f} µs/sample; "
          f"{res.n_failed_samples:,} failed samples counted")

    u = np.random.default_rng(args.seed).random((args.naive, d.n_vars))
    t = time.perf_counter()
    naive_evaluate(d, result, obs, u)
    t_naive = (time.perf_counter() - t) / args.naive
    t = time.perf_counter()
    for s in range(args.naive):
        d.evaluate(u[s:s + 1])
    t_loop = (time.perf_counter() - t) / args.naive

    est = t_naive * args.samples
    print(f"naive loop (full pipeline.build per sample, {args.naive} samples): "
          f"{t_naive * 1e3:.1f} ms/sample → {est:,.0f} s for {args.samples:,} (extrapolated)")
    print(f"per-sample loop over the precomputed variants ({args.naive} samples): "
          f"{t_loop * 1e3:.2f} ms/sample → {t_loop * args.samples:.1f} s for {args.samples:,}")
    print(f"speed-up vs full rebuild loop: {est / t_fast:,.0f}×; vs per-sample loop over "
          f"precomputed variants: {t_loop * args.samples / t_fast:,.0f}×")
    # COINr is not run here: its cost is a recorded measurement (coinr_reference.csv, with
    # date, machine and command), printed as such; bench_asem.py measures aidi on the same data
    for rec in load_reference():
        if rec["sa_type"] == "UA":
            print(describe(rec))
    print("(COINr's recorded run is on its ASEM example, not this index; "
          "benchmarks/bench_asem.py measures aidi on ASEM for a like-for-like ratio)")


if __name__ == "__main__":
    main()
