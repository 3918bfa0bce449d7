"""Benchmark: cost per evaluation on COINr's ASEM example with the four factors of COINr's
sensitivity vignette, beside COINr's recorded cost per replicate.

    python benchmarks/bench_asem.py [--repeat 3] [--seed 0]

The four factors, as aidi expresses them:

- winsorisation limit — `winmax` 1–5 (the ASEM build's own is 5). aidi's variant model
  (`aidi.analysis.robustness`) has no such factor, so this benchmark builds one nominal ASEM
  build and one `VariantDesign` per limit, and a sample's first input picks the design that
  evaluates it (⌊u·5⌋ + 1). The five builds are timed and counted in the all-in cost;
- normalisation — the spec's min–max onto [0, 100], min–max onto [1, 100], z-scores (mean 10,
  sd 2); COINr's vignette varies the last two only;
- noisy weights — uniform ±25 % around every weight (`weight_scope="all"`); COINr's vignette
  perturbs levels 2–3 only, so aidi perturbs more weights than COINr here;
- aggregation — arithmetic (the spec's) or geometric mean for every node below the index
  (COINr's `f_ag` also switches the index's own mean).

Imputation and leave-one-out are off. Runs, as COINr's recorded runs did: uncertainty with
N = 100 samples, and Sobol sensitivity with N = 100 and 500 base samples (rounded up to 128 and
512, N·(4 + 2) evaluations). Prints, measured in this run (best of `--repeat`): time per
evaluation of the model, the all-in time per evaluation (the five builds + design, sampling,
evaluations, indices), and their ratios against the recorded COINr cost per replicate read from
`coinr_reference.csv` — printed as a recording, with its date, machine and command.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np
from _reference import describe, load_reference

WINMAX = (1, 2, 3, 4, 5)
UA_SAMPLES = 100          # as COINr's recorded UA run
SA_BASE = (100, 500)      # as COINr's recorded SA runs


@dataclass(frozen=True)
class WinsorisedDesigns:
    """One variant design per winsorisation limit; input 0 picks the limit."""

    designs: tuple  # VariantDesign per WINMAX level
    seconds: float  # the builds + designs

    @property
    def n_vars(self) -> int:
        return 1 + self.designs[0].n_vars

    def evaluate(self, u: np.ndarray) -> np.ndarray:
        """Index of every unit per sample, shape (n, units): each limit's samples on its own
        design, in one vectorised call per limit."""
        level = np.minimum((u[:, 0] * len(self.designs)).astype(np.intp), len(self.designs) - 1)
        out = np.full((len(u), len(self.designs[0].units)), np.nan)
        for k, design in enumerate(self.designs):
            sel = level == k
            if sel.any():
                out[sel] = design.evaluate(u[sel, 1:]).index
        return out

    def problem(self) -> dict:
        from aidi.analysis.sensitivity import salib_problem

        inner = salib_problem(self.designs[0])
        return {"num_vars": self.n_vars, "names": ["winmax", *inner["names"]],
                "bounds": [[0.0, 1.0]] * self.n_vars,
                "groups": ["winsorisation", *inner["groups"]]}


def asem_designs() -> WinsorisedDesigns:
    """The five ASEM builds (COINr's example steps with winmax = 1…5) and their designs."""
    import yaml

    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.analysis.robustness.design import build_design
    from aidi.engine.pipeline import build
    from aidi.sources.coinr import load_steps, read_coin
    from aidi.specs.loader import shipped_spec_path

    path = shipped_spec_path("asem")
    files = load_steps(path).files
    if not all(f is not None and f.is_file() for f in files.values()):
        raise SystemExit(f"ASEM tables not found ({files}); set AIDI_RAW_DIR to the raw data")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.pop("coin", None)
    config = UncertaintyConfig(weights="uniform", weight_spread=0.25, weight_scope="all",
                               normalisations=("minmax", "zscore"),
                               aggregations=("arithmetic", "geometric"),
                               aggregation_scope="all", imputations=(), leave_one_out=False,
                               zeros="zero")
    started = time.perf_counter()
    designs = []
    for w in WINMAX:
        steps = [{"treat": {**s["treat"], "winmax": w}} if "treat" in s else s
                 for s in raw["steps"]]
        spec, obs, info = read_coin(files["data"], files["meta"], {**raw, "steps": steps})
        designs.append(build_design(build(spec, obs, unit_info=info), config))
    layout = {(d.n_vars, tuple(f.name for f in d.factors)) for d in designs}
    if len(layout) != 1:
        raise SystemExit(f"the winsorisation levels give different factor layouts: {layout}")
    return WinsorisedDesigns(tuple(designs), time.perf_counter() - started)


def _best(fn, repeat: int):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t, out))
    return min(runs, key=lambda r: r[0])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from aidi.analysis.sensitivity import sobol_analysis

    wd = asem_designs()
    d0 = wd.designs[0]
    print(f"data: COINr ASEM example, {len(d0.units)} countries, {len(d0.indicator_ids)} "
          f"indicators; factors: winsorisation {WINMAX[0]}–{WINMAX[-1]} "
          f"+ {[(f.name, len(f.levels) or len(f.columns)) for f in d0.factors]} "
          f"(levels, or inputs for weights); {wd.n_vars} inputs")
    print(f"machine: {os.cpu_count()} CPUs; five builds + designs (one per winsorisation "
          f"limit): {wd.seconds:.2f} s, once")
    wd.evaluate(np.random.default_rng(args.seed).random((64, wd.n_vars)))  # warm-up

    measured = {}
    u = np.random.default_rng(args.seed).random((UA_SAMPLES, wd.n_vars))
    t_ua, _ = _best(lambda: wd.evaluate(u), args.repeat)
    measured[("UA", UA_SAMPLES)] = (UA_SAMPLES, t_ua, t_ua)
    print(f"UA N={UA_SAMPLES}: {UA_SAMPLES} evaluations in {t_ua * 1e3:.1f} ms = "
          f"{t_ua / UA_SAMPLES * 1e6:.0f} µs/eval")
    problem = wd.problem()
    for n in SA_BASE:
        t_all, res = _best(lambda n=n: sobol_analysis(problem, wd.evaluate, n, args.seed,
                                                      output_names=list(d0.units)),
                           args.repeat)
        n_eval = len(res.inputs)
        measured[("SA", n)] = (n_eval, res.timings["model"], t_all)
        print(f"SA N={n} (→ {res.n_base} base samples): {n_eval:,} evaluations; model "
              f"{res.timings['model'] * 1e3:.1f} ms = {res.timings['model'] / n_eval * 1e6:.0f} "
              f"µs/eval; whole Sobol step {t_all * 1e3:.1f} ms "
              f"(sampling {res.timings['sample'] * 1e3:.1f}, indices + bootstrap for "
              f"{res.outputs.shape[1]} outputs {res.timings['estimate'] * 1e3:.1f})")

    for rec in load_reference():
        print(describe(rec))
        key = (str(rec["sa_type"]), int(rec["N"]))
        if key not in measured:
            continue
        n_eval, t_model, t_all = measured[key]
        per_rep = float(rec["seconds_per_replicate"])
        all_in = (wd.seconds + t_all) / n_eval
        print(f"  aidi, same run type, measured now: {t_model / n_eval * 1e6:.0f} µs/eval "
              f"(model) → COINr/aidi = {per_rep / (t_model / n_eval):,.0f}×; all-in incl. the "
              f"five builds {all_in * 1e3:.2f} ms/eval → {per_rep / all_in:,.0f}×")


if __name__ == "__main__":
    main()
