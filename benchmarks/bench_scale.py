"""Benchmark: how a build, the uncertainty and the sensitivity analyses grow with units and
indicators, in time and peak memory, each beside a NumPy baseline of the same cells.

    python benchmarks/bench_scale.py [--points 200x50,2000x50,20000x50,2000x500]
                                     [--samples 1000] [--sobol 64] [--dask-from 200000]
    python benchmarks/bench_scale.py --points 200000x50      # one big point at a time
    python benchmarks/bench_scale.py --builds 2000,20000,200000          # builds, one process
    python benchmarks/bench_scale.py --kernel [--kernel-samples 10000]   # ASEM + 20,000 units
                                     [--kernel-units 20000 --kernel-unit-samples 200]

Each point (units × indicators) runs in a fresh process on synthetic COINr tables
(`tests/_synthetic_coin.py`: log-normal indicators, 2 % missing, indicators → 10 dimensions →
2 pillars → index; `aidi.read_coin` + `aidi.build(data=…)`, COINr's default steps). Measured
in that process, each phase with its peak resident memory (the kernel's high-water mark,
reset before the phase through /proc/self/clear_refs):

- `read` (`aidi.read_coin`) and `build` (`aidi.build`), the build's own phases (unit
  resolution, selection, impute/treat/normalise, tree, ranks, contributions), and a NumPy
  baseline of the same cells: `pandas.read_csv` of the same table, min–max per column, the
  tree as one matrix product per level (missing children renormalised), ranks by sort;
- `uncertainty` (`Build.uncertainty`, `--samples`, its default memory plan; the Dask backend on
  a 2-worker LocalCluster from `--dask-from` units) beside its baseline: the same samples'
  indices as one matrix product per (variant, aggregation) group over the samples' effective
  weights, ranks by sort (`grouped_matmul`); the memory plan's estimate is printed beside the
  measured peak;
- `sensitivity` (`Build.sensitivity`, `--sobol` base samples) beside the same baseline on the
  Saltelli design's evaluations.

Ratios are what to read (the machine is shared: wall-clock varies, ratios in one process do
not); each phase also reports the CPU seconds of this process (all its threads, so the Dask
LocalCluster's workers count), steadier than wall time on a loaded machine. `--kernel` prints the kernel's ratio to the grouped-matmul baseline alone (best of 3,
interleaved) on COINr's ASEM example and on 20,000 synthetic units. Nothing is typed in.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _hwm_reset() -> None:
    # not Linux: the peak then covers the whole process so far
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status(key: str) -> float:
    """`VmHWM` (peak resident memory since the last reset) or `VmRSS` (now), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase(out: dict, name: str, fn):
    """Run `fn`, recording seconds, peak resident MB and the peak's growth over the start."""
    import gc

    gc.collect()
    _hwm_reset()
    start = _status("VmRSS")
    print(f"[{time.strftime('%H:%M:%S')}] {name} (resident {start:.0f} MB)", file=sys.stderr,
          flush=True)
    t, cpu = time.perf_counter(), time.process_time()
    res = fn()
    peak = _status("VmHWM")
    out[name] = {"s": time.perf_counter() - t, "cpu": time.process_time() - cpu, "mb": peak,
                 "grow": peak - start}
    print(f"    {json.dumps({name: out[name]})}", file=sys.stderr, flush=True)
    return res


# ---- the baselines: the same cells in the tightest NumPy we can write -------------------------
#: Samples × units per block of the baseline (its arrays stay a few hundred MB at most).
BASELINE_CELLS = 1 << 21


def grouped_matmul(design, u: np.ndarray) -> float:
    """Index and ranks of every sample, by blocks of samples: per (variant, aggregation
    level) group, the level-1 nodes as one matrix product over the samples' normalised child
    weights (in log space for a geometric mean), the upper nodes as weighted sums, ranks by
    sort. Returns the mean rank (each block's arrays are dropped, as the kernel's are)."""
    from aidi.engine.tree import ranks_last

    n_u = len(design.units)
    variant = design.variant_index(u)
    agg = design.level_index(u, "aggregation")
    w_all = design.sample_weights(u)
    step = max(1, BASELINE_CELLS // n_u)
    total = 0.0
    for a in np.unique(agg):
        for v in np.unique(variant[agg == a]):
            rows = np.flatnonzero((agg == a) & (variant == v))
            for i in range(0, len(rows), step):
                g = rows[i:i + step]
                index = _group_index(design, int(a), int(v), {k: w[g] for k, w in
                                                              w_all.items()}, len(g))
                total += float(np.nansum(ranks_last(index)))
    return total / max(u.shape[0] * n_u, 1)


def _group_index(design, a: int, v: int, w_all: dict, n: int) -> np.ndarray:
    """(samples, units) index of `n` samples sharing variant `v` and aggregation level `a`."""
    n_ind = len(design.indicator_ids)
    n_prep, n_norm, n_u, _ = design.matrices.shape
    x_v = design.matrices.reshape(n_prep * n_norm, n_u, n_ind)[v]
    trees = design.aggregation_trees or (design.tree,) * len(design.aggregation_levels)
    t = trees[a]
    vals: dict[int, np.ndarray] = {}
    for k, node in enumerate(t.nodes):
        w = w_all[node.id] if node.id in w_all else \
            np.broadcast_to(node.weights, (n, len(node.children)))
        w = w / w.sum(axis=1, keepdims=True)
        geo = node.method == "geometric"
        with np.errstate(divide="ignore", invalid="ignore"):
            if max(node.child_cols) < n_ind:  # children are indicators: one matrix product
                x = x_v[:, list(node.child_cols)]
                vals[k] = np.exp(np.log(x) @ w.T) if geo else x @ w.T
            else:
                kids = np.stack([vals[t.aggregate_ids.index(c)] for c in node.children], -1)
                vals[k] = np.exp(np.einsum("usk,sk->us", np.log(kids), w)) if geo \
                    else np.einsum("usk,sk->us", kids, w)
        if node.standardise == "ratio" and design.ref is not None:
            vals[k] = vals[k] / vals[k][design.ref]
    return vals[len(t.nodes) - 1].T


def baseline_build(idata: Path, meta) -> np.ndarray:
    """The same cells as a COINr default build: read, min–max 0–100 per column, the tree by
    matrix products with missing children renormalised, ranks by sort."""
    import pandas as pd

    from aidi.engine.tree import ranks_last

    frame = pd.read_csv(idata)
    ind = [c for c in frame.columns if c.startswith("i")]
    x = frame[ind].to_numpy(dtype=float)
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    x = (x - lo) / (hi - lo) * 100
    level = {c: x[:, j] for j, c in enumerate(ind)}
    for depth in (2, 3, 4):
        rows = meta[meta["Level"] == depth]
        for code in rows["iCode"]:
            kids = meta.loc[meta["Parent"] == code, "iCode"].tolist()
            block = np.stack([level[k] for k in kids], axis=1)
            present = ~np.isnan(block)
            w = np.ones(len(kids))
            level[code] = np.nan_to_num(block) @ w / (present @ w)
    return ranks_last(level["Index"][None, :])


# ---- one point, in its own process ------------------------------------------------------------
def _build_phases(phases: dict):
    """Wrap the pipeline's steps with timers (the build's phases)."""
    from aidi.engine import pipeline

    for name in ("resolve_units", "select", "prepare", "aggregate_tree", "ranks",
                 "_contributions"):
        real = getattr(pipeline, name)

        def timed(*a, _real=real, _name=name, **k):
            t = time.perf_counter()
            try:
                return _real(*a, **k)
            finally:
                phases[_name] = phases.get(_name, 0.0) + time.perf_counter() - t
        setattr(pipeline, name, timed)


def child(units: int, indicators: int, samples: int, sobol: int, dask: bool) -> dict:
    import pandas as pd

    import aidi
    from aidi.analysis import budget
    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.sensitivity import salib_problem
    from aidi.analysis.sobol import saltelli_sample

    sys.path.insert(0, str(ROOT))
    from tests._synthetic_coin import write_coin

    res: dict = {"units": units, "indicators": indicators, "samples": samples,
                 "sobol": sobol, "backend": "dask" if dask else "numpy"}
    with tempfile.TemporaryDirectory() as tmp:
        idata, imeta = write_coin(Path(tmp), units, indicators)
        meta = pd.read_csv(imeta)
        phases: dict[str, float] = {}
        _build_phases(phases)
        coin = _phase(res, "read", lambda: aidi.read_coin(idata, imeta))
        b = _phase(res, "build", lambda: aidi.build(data=coin))
        res["build_phases"] = phases
        _phase(res, "build_baseline", lambda: baseline_build(idata, meta))
    coin = None  # noqa: F841 - its memory back before the analyses
    design = _phase(res, "design", lambda: build_design(b.result))
    backend = {"backend": "dask"} if dask else {}
    plan = budget.plan_uncertainty(design, samples, workers=2 if dask else 1)
    res["plan_mb"] = plan.estimate / 1024**2
    res["plan"] = plan.describe()
    unc = _phase(res, "uncertainty", lambda: b.uncertainty(samples, seed=1, design=design,
                                                           **backend))
    res["exact"] = unc.exact
    res["uncertainty_n_valid_min"] = int(unc.summary()["n_valid"].min())
    del unc
    u = np.random.default_rng(1).random((samples, design.n_vars))
    _phase(res, "uncertainty_baseline", lambda: grouped_matmul(design, u))
    if sobol:
        try:
            _phase(res, "sensitivity", lambda: b.sensitivity(sobol, seed=1, design=design,
                                                             num_resamples=20, **backend))
            x = saltelli_sample(salib_problem(design.with_resolution(sobol)), sobol, 1)
            _phase(res, "sensitivity_baseline", lambda: grouped_matmul(design, x))
        except Exception as exc:  # noqa: BLE001 - a refusal is a result: print it
            res["sensitivity_refused"] = str(exc).splitlines()[0]
    return res


def builds_main(sizes: list[int], indicators: int) -> None:
    """Builds of several sizes in this one process (same load): time and the ratios."""
    import gc

    import pandas as pd

    import aidi

    sys.path.insert(0, str(ROOT))
    from tests._synthetic_coin import write_coin

    def one(n: int) -> dict:
        res: dict = {}
        with tempfile.TemporaryDirectory() as tmp:
            idata, imeta = write_coin(Path(tmp), n, indicators)
            meta = pd.read_csv(imeta)
            coin = _phase(res, "read", lambda: aidi.read_coin(idata, imeta))
            _phase(res, "build", lambda: aidi.build(data=coin))
            _phase(res, "build_baseline", lambda: baseline_build(idata, meta))
        return res

    times: dict[int, dict] = {}
    for n in sizes:
        times[n] = res = one(n)
        gc.collect()
        print(f"{n:>8,} × {indicators}: read {res['read']['s']:7.2f} s, build "
              f"{res['build']['s']:7.2f} s (CPU {res['build']['cpu']:.2f} s, peak "
              f"+{res['build']['grow']:.0f} MB), NumPy baseline "
              f"{res['build_baseline']['s']:6.2f} s", flush=True)
    for a, b in zip(sizes, sizes[1:], strict=False):
        ta, tb = times[a]["build"], times[b]["build"]
        ra, rb = times[a]["read"]["s"], times[b]["read"]["s"]
        print(f"{b:,} / {a:,} units ({b / a:.0f}× the cells): build {tb['s'] / ta['s']:.1f}× "
              f"(CPU {tb['cpu'] / ta['cpu']:.1f}×), read {rb / ra:.1f}×")


# ---- the kernel against the baseline ------------------------------------------------------------
def kernel_ratio(name: str, build, config, n: int) -> None:
    from aidi.analysis.robustness.backends import evaluate_samples
    from aidi.analysis.robustness.design import build_design

    design = build_design(build.result, config)
    u = np.random.default_rng(0).random((n, design.n_vars))
    evaluate_samples(design, u[:20])
    grouped_matmul(design, u[:20])
    tk, tg = [], []
    for _ in range(3):  # interleaved: both see the same load
        t = time.perf_counter()
        evaluate_samples(design, u)
        tk.append(time.perf_counter() - t)
        t = time.perf_counter()
        grouped_matmul(design, u)
        tg.append(time.perf_counter() - t)
    cells = n * len(design.units) * len(design.indicator_ids)
    print(f"{name}: {n:,} samples × {len(design.units):,} units × "
          f"{len(design.indicator_ids)} indicators = {cells:,} cells; factors "
          f"{', '.join(f.name for f in design.factors)}")
    print(f"  kernel {min(tk):.3f} s, grouped matmul {min(tg):.3f} s (both with ranks by sort)"
          f" → kernel / baseline = {min(tk) / min(tg):.2f}")


def kernel_main(n: int, units: int, n_units_samples: int) -> None:
    import aidi
    from aidi.analysis.robustness.config import UncertaintyConfig

    sys.path.insert(0, str(ROOT))
    from tests._synthetic_coin import synthetic_build

    asem = UncertaintyConfig(normalisations=("minmax", "zscore", "rank"), imputations=(),
                             leave_one_out=False, winsorisation=(3, 4, 5, 6, 7),
                             aggregation_scope="all")
    kernel_ratio("ASEM (COINr), its sensitivity vignette's factors", aidi.build("asem"), asem,
                 n)
    with tempfile.TemporaryDirectory() as tmp:
        b = synthetic_build(Path(tmp), units, 50)
    kernel_ratio(f"synthetic {units:,} units, default factors", b, UncertaintyConfig(),
                 n_units_samples)


# ---- the table ------------------------------------------------------------------------------------
def _fmt(res: dict, phase: str, base: str | None = None) -> str:
    if phase not in res:
        return res.get(f"{phase}_refused", "—")[:40]
    p = res[phase]
    text = f"{p['s']:8.2f} s (CPU {p['cpu']:8.2f} s)  peak {p['mb']:6.0f} MB (+{p['grow']:5.0f})"
    if base and base in res:
        text += f"  ×{p['s'] / max(res[base]['s'], 1e-9):5.1f} (CPU " \
                f"×{p['cpu'] / max(res[base]['cpu'], 1e-9):5.1f})"
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default="200x50,2000x50,20000x50,2000x500")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--sobol", type=int, default=64)
    ap.add_argument("--dask-from", type=int, default=200_000)
    ap.add_argument("--memory-limit-gb", type=float, default=None,
                    help="AIDI_MEMORY_LIMIT_GB for the points (the analyses' plan)")
    ap.add_argument("--kernel", action="store_true")
    ap.add_argument("--kernel-samples", type=int, default=10_000)
    ap.add_argument("--kernel-units", type=int, default=20_000)
    ap.add_argument("--kernel-unit-samples", type=int, default=200)
    ap.add_argument("--builds", default=None,
                    help="only builds, of these unit counts, in one process: 2000,20000,200000")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.kernel:
        kernel_main(args.kernel_samples, args.kernel_units, args.kernel_unit_samples)
        return
    if args.builds:
        builds_main([int(x) for x in args.builds.split(",")], 50)
        return
    if args.child:
        u, i = (int(x) for x in args.child.split("x"))
        print(json.dumps(child(u, i, args.samples, args.sobol, u >= args.dask_from)))
        return
    rows = []
    for point in args.points.split(","):
        cmd = [sys.executable, __file__, "--child", point, "--samples", str(args.samples),
               "--sobol", str(args.sobol), "--dask-from", str(args.dask_from)]
        env = dict(os.environ)
        if args.memory_limit_gb:
            env["AIDI_MEMORY_LIMIT_GB"] = str(args.memory_limit_gb)
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False, env=env)
        if done.returncode:
            print(f"{point}: failed (exit {done.returncode}; its phases are above)")
            continue
        res = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(res)
        print(f"\n{point} ({res['backend']}; uncertainty {'exact' if res['exact'] else 'streaming'}"
              f"; limit {os.environ.get('AIDI_MEMORY_LIMIT_GB', args.memory_limit_gb or 4)} GB"
              f"; plan {res['plan_mb']:.0f} MB: {res['plan']})")
        for phase, base in (("read", None), ("build", "build_baseline"),
                            ("build_baseline", None), ("design", None),
                            ("uncertainty", "uncertainty_baseline"),
                            ("uncertainty_baseline", None),
                            ("sensitivity", "sensitivity_baseline"),
                            ("sensitivity_baseline", None)):
            print(f"  {phase:22s} {_fmt(res, phase, base)}")
        print("  build phases: " + ", ".join(f"{k} {v:.2f} s"
                                              for k, v in res["build_phases"].items()))
    by = {(r["units"], r["indicators"]): r for r in rows}
    for (a, b) in (((2000, 50), (20000, 50)), ((20000, 50), (200000, 50)),
                   ((200, 50), (2000, 50)), ((2000, 50), (2000, 500))):
        if a in by and b in by:
            print(f"build {b[0]:,}×{b[1]} / {a[0]:,}×{a[1]}: "
                  f"{by[b]['build']['s'] / by[a]['build']['s']:.1f}× time (CPU "
                  f"{by[b]['build']['cpu'] / by[a]['build']['cpu']:.1f}×) for "
                  f"{b[0] * b[1] / (a[0] * a[1]):.0f}× the cells")


if __name__ == "__main__":
    main()
