"""Phases of a default `aidi build`, measured in one process: import, build, tables, figures,
report — the numbers behind the "≤ 4 s (≤ 2 s without figures)" goal.

    python benchmarks/bench_build.py [--no-figures] [--no-robustness] [--out DIR]

`import` is the time to import the build command and the report layer; `build` the public
API's `aidi.build`; `analyses` the bundle (`Build.analyses`: Monte-Carlo here, Sobol in a
worker meanwhile); `tables` the CSV outputs; the report's own phases follow (figures are
drawn in worker processes while the workbook is written, so `figures_wait` is only the time
spent waiting for them at the end); `total` is the wall time of the whole build.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-figures", action="store_true")
    ap.add_argument("--no-robustness", action="store_true")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from aidi.commands import build as build_cmd

    phases = {"import": time.perf_counter() - t0}
    out = args.out or Path(tempfile.mkdtemp(prefix="aidi-bench-"))
    t1 = time.perf_counter()
    build_cmd.run_build(None, out, args.lang, "CHN", None, None, quiet=True,
                        robustness=not args.no_robustness, figures=not args.no_figures,
                        timings=phases)
    phases["total"] = phases["import"] + time.perf_counter() - t1
    order = ["import", "build", "analyses", "tables", "figures_submit", "workbook",
             "figures_wait", "render", "report_total", "total"]
    print(" | ".join(f"{k} {phases[k]:.2f} s" for k in order if k in phases))


if __name__ == "__main__":
    main()
