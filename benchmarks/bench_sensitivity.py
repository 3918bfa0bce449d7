"""Benchmark: how `aidi sensitivity` scales with its base samples, and where its time goes.

    python benchmarks/bench_sensitivity.py [--sizes 256,512,1024,2048,4096] [--repeat 3]
                                           [--salib-n 1024] [--synthetic]

Runs `run_sensitivity` (the Sobol step of `aidi sensitivity`: Saltelli design, model
evaluations, indices and bootstrap intervals for every output at once) on the real AIDI spec and
snapshot when they load, else on the synthetic 20-economy index of the tests. Prints, measured
in this run, best of `--repeat` per size:

- the time per size, split into model evaluations and everything else (design, sampling,
  indices + bootstrap, table), and the share outside the model;
- the scaling ratio from the smallest to the largest size against the linear expectation
  (time ratio ÷ size ratio; 1.0 = exactly linear, the goal is ≤ 1.3);
- at `--salib-n`, the same outputs analysed one at a time by `SALib.analyze.sobol.analyze`
  (what aidi did before), on the same evaluations — the cost the vectorised estimator removes.

Not a test: there are no timed assertions anywhere in the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path


def _nominal(synthetic: bool):
    if not synthetic:
        try:
            import aidi

            return "AIDI 2024 spec + shipped snapshot", aidi.build().result
        except Exception as exc:  # noqa: BLE001 - fall back to synthetic data, say why
            print(f"(real spec/data unavailable: {exc}; using the synthetic index)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests._robustness_data import synthetic_build

    return "synthetic 20-economy index", synthetic_build()[2]


def _salib_one_at_a_time(res, num_resamples: int, seed: int) -> tuple[float, int]:
    """SALib's analyser per output on the evaluations of `res` (constant outputs skipped, as
    the old wrapper did). Returns (seconds, outputs analysed)."""
    import numpy as np
    from SALib.analyze import sobol as salib_analyze

    from aidi.analysis.sensitivity import salib_problem

    problem = salib_problem(res.design)
    y = np.concatenate([res.outputs.index, res.outputs.rank], axis=1)
    t = time.perf_counter()
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for j in range(y.shape[1]):
            if np.ptp(y[:, j]) == 0 or not np.isfinite(y[:, j]).all():
                continue
            salib_analyze.analyze(problem, y[:, j], calc_second_order=False,
                                  num_resamples=num_resamples, seed=seed or None)
            n += 1
    return time.perf_counter() - t, n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="256,512,1024,2048,4096")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--salib-n", type=int, default=1024,
                    help="also time SALib's one-output-at-a-time analysis at this size (0: no)")
    ap.add_argument("--synthetic", action="store_true", help="use the synthetic index")
    args = ap.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if len(sizes) < 2 or any(s & (s - 1) for s in sizes):
        ap.error("--sizes needs at least two powers of 2")

    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.sensitivity import run_sensitivity, salib_problem

    label, result = _nominal(args.synthetic)
    design = build_design(result)
    n_factors = len(dict.fromkeys(salib_problem(design)["groups"]))
    print(f"data: {label}; {len(design.units)} economies, {design.n_vars} inputs in "
          f"{n_factors} factors {[f.name for f in design.factors]}; outputs: index and rank of "
          f"each economy; {args.resamples} bootstrap resamples")
    print(f"machine: {os.cpu_count()} CPUs; best of {args.repeat} per size")
    run_sensitivity(result, sizes[0], args.seed, design=design)  # warm-up: imports, caches

    best = {}
    print(f"{'N':>6} {'evals':>8} {'total s':>8} {'model s':>8} {'other s':>8} "
          f"{'sample':>7} {'estimate':>8} {'outside':>8}")
    for n in sizes:
        runs = [run_sensitivity(result, n, args.seed, design=design,
                                num_resamples=args.resamples) for _ in range(args.repeat)]
        res = min(runs, key=lambda r: r.seconds)
        best[n] = res
        t = res.timings
        print(f"{n:>6} {res.n_evaluations:>8,} {res.seconds:>8.3f} {t['model']:>8.3f} "
              f"{res.seconds - t['model']:>8.3f} {t['sample']:>7.3f} {t['estimate']:>8.3f} "
              f"{res.outside_model_share:>8.0%}")

    lo, hi = sizes[0], sizes[-1]
    size_ratio = hi / lo
    for what, get in (("whole Sobol step", lambda r: r.seconds),
                      ("model evaluations", lambda r: r.timings["model"]),
                      ("indices + bootstrap", lambda r: r.timings["estimate"])):
        ratio = get(best[hi]) / get(best[lo])
        print(f"scaling {lo:,} → {hi:,} ({what}): {ratio:.2f}× for {size_ratio:.0f}× the samples "
              f"= {ratio / size_ratio:.2f} of the linear expectation")

    if args.salib_n:
        res = best.get(args.salib_n) or run_sensitivity(result, args.salib_n, args.seed,
                                                        design=design,
                                                        num_resamples=args.resamples)
        t_salib, n_out = _salib_one_at_a_time(res, args.resamples, args.seed)
        t_ours = res.timings["estimate"]
        print(f"at N = {res.n_base:,}: SALib's analyze, one output at a time ({n_out} outputs): "
              f"{t_salib:.2f} s; the vectorised estimator, all outputs: {t_ours:.3f} s "
              f"({t_salib / t_ours:,.0f}× less); model evaluations: {res.timings['model']:.3f} s")


if __name__ == "__main__":
    main()
