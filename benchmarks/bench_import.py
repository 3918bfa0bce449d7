"""A large `aidi data import`: time and peak memory, and how they grow with the file's size.

    python benchmarks/bench_import.py [--mb 200] [--baseline-mb 20] [--keep DIR]

Generates long-format CSVs (iso3, year, series, unit, value: 25 economies × 30 years per
series) of `--baseline-mb` and `--mb` megabytes in a temporary folder (never in the
repository), and imports each into a fresh store in its own process, so each process's peak
resident memory (`ru_maxrss`) is that import's alone. Reports wall time, rows per second and
peak memory for both, and the ratios big/baseline of time per megabyte (about 1 when the
import is linear) and of peak memory (about 1 when it streams).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from aidi.store.duckdb_store import Store
    from aidi.store.user_import import import_file
    csv_path, store_path = sys.argv[1], sys.argv[2]
    with Store.open(store_path) as store:          # seeded from the snapshot, not timed
        t0 = time.perf_counter()
        res = import_file(store, csv_path)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rows": res.report.n_accepted, "peak": peak,
                      "rejected": res.report.n_rejected}))
""")


def _frame(n: int):
    import numpy as np
    import pandas as pd

    from aidi.countries import GROUPS, TARGET_20

    rng = np.random.default_rng(0)
    units = sorted(set(GROUPS["G20"]) | set(TARGET_20))
    idx = np.arange(n)
    per = len(units) * 30
    return pd.DataFrame({
        "iso3": np.asarray(units)[(idx % per) // 30], "year": 1994 + idx % 30,
        "series": np.char.add("series_", (idx // per).astype(str)), "unit": "count",
        "value": np.round(rng.lognormal(5, 2, n), 3)})


def write_csv(path: Path, megabytes: float) -> int:
    """A long CSV of `megabytes` MB (within a percent); returns its number of rows."""
    sample = _frame(100_000).to_csv(index=False).encode()
    n = int(megabytes * 1e6 / (len(sample) / 100_000))
    _frame(n).to_csv(path, index=False)
    return n


def run(csv_path: Path, folder: Path) -> dict:
    store = folder / f"{csv_path.stem}.duckdb"
    out = subprocess.run([sys.executable, "-c", CHILD, str(csv_path), str(store)],
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["mb"] = csv_path.stat().st_size / 1e6
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200.0)
    ap.add_argument("--baseline-mb", type=float, default=20.0)
    ap.add_argument("--keep", type=Path, default=None, help="folder for the inputs (kept)")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="aidi-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for label, mb in (("baseline", args.baseline_mb), ("big", args.mb)):
        path = folder / f"import_{mb:g}mb.csv"
        if not path.exists():
            write_csv(path, mb)
        results[label] = r = run(path, folder)
        print(f"{label}: {r['mb']:.0f} MB, {r['rows']:,} rows in {r['seconds']:.1f} s "
              f"({r['rows'] / r['seconds']:,.0f} rows/s), peak {r['peak'] / 1e6:,.0f} MB",
              flush=True)
    b, s = results["big"], results["baseline"]
    print(f"time per MB, big / baseline: {(b['seconds'] / b['mb']) / (s['seconds'] / s['mb']):.2f}"
          f" (near one: linear); peak memory, big / baseline: {b['peak'] / s['peak']:.2f} "
          "(near one: streamed)")


if __name__ == "__main__":
    main()
