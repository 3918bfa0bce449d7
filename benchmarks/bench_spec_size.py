"""Specs with thousands of indicators: load and build time and peak memory, 1,000 → 10,000.

    python benchmarks/bench_spec_size.py [--sizes 1000 10000] [--units 20] [--flat] [--cli]

For each size, writes a spec (indicators in groups of 100 under the root, or all straight
under it with `--flat`) and synthetic observations (two years per indicator and economy) to
a temporary folder, then, in a fresh process per size, times `load_spec` (the YAML read and
validated) and `aidi.build` (select → … → rank), and reads that process's peak resident
memory. The ratio of times between the sizes shows whether cost grows linearly with the
number of indicators (10 for 1,000 → 10,000). With `--cli`, each size is also run the
way a user runs it: the observations imported into a fresh store (`aidi data import`) and
`aidi build --no-robustness --no-figures` writing the whole report and workbook, each
command timed with its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import pandas as pd
    t0 = time.perf_counter()
    import aidi
    from aidi.specs.loader import load_spec
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    spec = load_spec(sys.argv[1])
    t_load = time.perf_counter() - t0
    obs = pd.read_pickle(sys.argv[2])
    t0 = time.perf_counter()
    b = aidi.build(spec, data=obs)
    t_build = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"import": t_import, "load": t_load, "build": t_build, "peak": peak,
                      "ranked": int(b.ranks[b.spec.root.id].notna().sum())}))
""")
WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
           "stdout=subprocess.DEVNULL); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)")
UNITS = ["USA", "CHN", "DEU", "JPN", "GBR", "FRA", "KOR", "IND", "CAN", "ITA", "BRA", "AUS",
         "ESP", "MEX", "IDN", "NLD", "SAU", "TUR", "CHE", "POL", "ARG", "ZAF", "RUS", "SWE",
         "BEL", "AUT", "NOR", "IRL", "ISR", "SGP"]


def write_inputs(folder: Path, n: int, n_units: int, flat: bool) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd
    import yaml

    units = UNITS[:n_units]
    inds = [{"id": f"i{k}", "name": {"en": f"Indicator {k}"}, "series": f"user.s{k}"}
            for k in range(n)]
    children = inds if flat else [
        {"id": f"g{g}", "name": {"en": f"Group {g}"}, "children": inds[g * 100:(g + 1) * 100]}
        for g in range((n + 99) // 100)]
    spec = {"id": "big", "name": {"en": "Big"}, "reference": "USA", "units": units,
            "defaults": {"years": {"rule": "latest", "start": 2021, "end": 2023}},
            "root": {"id": "index", "name": {"en": "Index"}, "children": children}}
    spec_path = folder / f"spec_{n}.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    rng = np.random.default_rng(0)
    m = n * len(units) * 2
    obs = pd.DataFrame({
        "iso3": np.repeat(units, n * 2),
        "year": np.tile([2022, 2023], n * len(units)),
        "series": np.tile(np.repeat([f"user.s{k}" for k in range(n)], 2), len(units)),
        "value": rng.lognormal(0, 1, m), "unit": "u", "source": "synthetic",
        "file": "synthetic.csv"})
    obs_path = folder / f"obs_{n}.pkl"
    obs.to_pickle(obs_path)
    return spec_path, obs_path


def run_cli(folder: Path, n: int, spec_path: Path, obs_path: Path) -> dict[str, tuple]:
    """`aidi data import` then `aidi build` on the spec, each in its own process: {command:
    (seconds, peak bytes)}; each command runs under a small wrapper process whose only child
    it is, so the wrapper's `RUSAGE_CHILDREN` peak is that command's own (and its workers')."""
    import pandas as pd

    csv = folder / f"obs_{n}.csv"
    pd.read_pickle(obs_path)[["iso3", "year", "series", "unit", "value"]].to_csv(csv, index=False)
    env = {**os.environ, "AIDI_STORE": str(folder / f"store_{n}.duckdb")}
    aidi = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "aidi.cli"]
    out = {}
    for name, args in (("import", ["data", "import", str(csv), "-q"]),
                       ("build", ["build", "--spec", str(spec_path), "--vintage", "latest",
                                  "--no-robustness", "--no-figures", "-q",
                                  "--out", str(folder / f"out_{n}")])):
        t0 = time.perf_counter()
        res = subprocess.run([*aidi, *args], env=env, check=True, capture_output=True,
                             text=True)
        out[name] = (time.perf_counter() - t0, int(res.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--flat", action="store_true")
    ap.add_argument("--cli", action="store_true", help="also time aidi data import + build")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aidi-bench-spec-"))
    try:
        _measure(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(args: argparse.Namespace, folder: Path) -> None:
    rows = {}
    for n in args.sizes:
        spec_path, obs_path = write_inputs(folder, n, args.units, args.flat)
        out = subprocess.run([sys.executable, "-c", CHILD, str(spec_path), str(obs_path)],
                             capture_output=True, text=True, check=True)
        r = rows[n] = json.loads(out.stdout.strip().splitlines()[-1])
        size = spec_path.stat().st_size / 1e6
        print(f"{n:,} indicators ({size:.2f} MB spec, {args.units} economies"
              f"{', flat' if args.flat else ''}): load {r['load']:.2f} s, build "
              f"{r['build']:.2f} s, peak {r['peak'] / 1e6:,.0f} MB, {r['ranked']} ranked",
              flush=True)
        if args.cli:
            for name, (sec, peak) in run_cli(folder, n, spec_path, obs_path).items():
                print(f"  aidi {name}: {sec:.1f} s, peak {peak / 1e6:,.0f} MB",
                      flush=True)
    if len(rows) >= 2:
        small, big = min(rows), max(rows)
        k = big / small
        for phase in ("load", "build"):
            print(f"{phase} time {big:,} / {small:,}: {rows[big][phase] / rows[small][phase]:.1f}"
                  f" (linear = {k:.0f})")


if __name__ == "__main__":
    main()
