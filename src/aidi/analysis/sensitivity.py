"""Sensitivity analysis: which uncertain choice moves each economy's rank and index most.

First-order (S1) and total (ST) Sobol indices with bootstrap confidence intervals, using
SALib's Saltelli/Sobol' sampler (`SALib.sample.sobol`) and estimator (`SALib.analyze.sobol`),
as the OECD/JRC Handbook recommends and COINr's `get_sensitivity(SA_type = "SA")` does. The
model is the same vectorised variant model as the uncertainty analysis
(`aidi.analysis.variants`): every input is uniform on [0, 1), a discrete choice with L levels
takes level ⌊u·L⌋, and the weights (one input per child weight) form one SALib *group*, so they
count as a single factor.

`sobol_analysis` is a generic wrapper (model: (n, d) → (n,) or (n, m)); the tests check it on
the Ishigami function against the analytic indices. Failed evaluations are handled explicitly:
the Saltelli estimator needs complete blocks (A, B and every A_B^i of one base sample), so a
block with a failed evaluation is left out *for that output* and `n_base_used` says how many
blocks the indices rest on — nothing is dropped silently.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aidi.analysis.robustness_report import (
    ReportSection,
    economy_name,
    factor_label,
    sobol_chart,
)
from aidi.analysis.variants import (
    ChunkResult,
    UncertaintyConfig,
    VariantDesign,
    build_design,
    evaluate_samples,
)
from aidi.engine.pipeline import BuildResult
from aidi.io import write_csv

__all__ = ["SobolResult", "SensitivityResult", "sobol_analysis", "salib_problem",
           "run_sensitivity", "sensitivity_sentences", "write_sensitivity",
           "sensitivity_section"]

Model = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SobolResult:
    """Long table: output, factor, S1, S1_conf, ST, ST_conf, n_base, n_base_used, note."""

    frame: pd.DataFrame
    inputs: np.ndarray
    outputs: np.ndarray
    n_base: int


def _groups(problem: dict[str, Any]) -> list[str]:
    """Factor names in SALib's order (groups in order of first appearance)."""
    groups = problem.get("groups") or problem["names"]
    return list(dict.fromkeys(groups))


def sobol_analysis(problem: dict[str, Any], model: Model, n_base: int, seed: int = 0,
                   num_resamples: int = 100, conf_level: float = 0.95,
                   output_names: Sequence[str] | None = None) -> SobolResult:
    """Sobol indices of `model` on SALib `problem`, with `n_base` base samples.

    `n_base` is rounded up to a power of 2 (Sobol' sequences lose their balance otherwise);
    the model is called once on all N·(D+2) inputs, so it should be vectorised. An output whose
    value never changes gets S1 = ST = 0 (nothing moves it), noted as "constant".
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n_base < 2:
        raise ValueError("n_base must be >= 2")
    n_base = 1 << math.ceil(math.log2(n_base))
    x = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    y = np.asarray(model(x), dtype=float)
    y2 = y.reshape(len(x), -1)
    names = list(output_names) if output_names is not None else \
        [str(j) for j in range(y2.shape[1])]
    if len(names) != y2.shape[1]:
        raise ValueError(f"{len(names)} output names for {y2.shape[1]} outputs")
    factors = _groups(problem)
    step = len(factors) + 2
    rows = []
    for j, out_name in enumerate(names):
        blocks = y2[:, j].reshape(n_base, step)
        ok = np.isfinite(blocks).all(axis=1)
        used = blocks[ok]
        note = ""
        if ok.sum() < 2:
            s = {k: np.full(len(factors), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
            note = "too few complete blocks"
        elif np.ptp(used) == 0:
            s = {k: np.zeros(len(factors)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
            note = "constant"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                s = sobol_analyze.analyze(problem, used.ravel(), calc_second_order=False,
                                          num_resamples=num_resamples, conf_level=conf_level,
                                          seed=seed)
        if not note and ok.sum() < n_base:
            note = f"{n_base - int(ok.sum())} blocks with a failed evaluation left out"
        for k, f in enumerate(factors):
            rows.append({"output": out_name, "factor": f,
                         "S1": float(s["S1"][k]), "S1_conf": float(s["S1_conf"][k]),
                         "ST": float(s["ST"][k]), "ST_conf": float(s["ST_conf"][k]),
                         "n_base": n_base, "n_base_used": int(ok.sum()), "note": note})
    return SobolResult(pd.DataFrame(rows), x, y2, n_base)


def salib_problem(design: VariantDesign) -> dict[str, Any]:
    """The SALib problem of a variant design: unit inputs, weights grouped as one factor."""
    names, groups = [], []
    for f in design.factors:
        if f.name == "weights":
            for node_id in design.weight_nodes:
                node = design.tree.nodes[design.tree.aggregate_ids.index(node_id)]
                names += [f"weights.{node_id}.{c}" for c in node.children]
                groups += ["weights"] * len(node.children)
        else:
            names.append(f.name)
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
            "groups": groups}


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of every uncertain choice on every economy's rank and index."""

    design: VariantDesign
    frame: pd.DataFrame      # iso3, output, factor, S1, S1_conf, ST, ST_conf, n_base, ...
    outputs: ChunkResult     # every evaluation of the Saltelli design
    n_base: int
    seed: int
    seconds: float

    @property
    def n_evaluations(self) -> int:
        return int(self.outputs.index.shape[0])

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.outputs.failure))

    def failure_message(self) -> str:
        if self.n_failed == 0:
            return ""
        codes, counts = np.unique(self.outputs.failure[self.outputs.failure > 0],
                                  return_counts=True)
        why = "; ".join(f"{self.design.failure_reasons[c]} ({n})"
                        for c, n in zip(codes, counts, strict=True))
        used = self.frame.groupby("iso3")["n_base_used"].min()
        return (f"{self.n_failed} of {self.n_evaluations} evaluations failed: {why}. The Sobol "
                f"estimates use the {int(used.min())}–{int(used.max())} of {self.n_base} base "
                "blocks without a failure (column n_base_used).")


def run_sensitivity(result: BuildResult, n_base: int = 1024, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy",
                    scheduler: str | None = None, chunk_size: int = 2000,
                    num_resamples: int = 100, conf_level: float = 0.95,
                    design: VariantDesign | None = None) -> SensitivityResult:
    """Sobol analysis of a nominal build (N·(D+2) evaluations of the vectorised model)."""
    started = time.perf_counter()
    design = design or build_design(result, config)
    if not design.factors:
        raise ValueError("no uncertain choice is switched on: nothing to analyse")
    problem = salib_problem(design)
    units = list(design.units)
    store: dict[str, ChunkResult] = {}

    def model(x: np.ndarray) -> np.ndarray:
        out = evaluate_samples(design, x, backend=backend, scheduler=scheduler,
                               chunk_size=chunk_size)
        store["out"] = out
        return np.concatenate([out.rank, out.index], axis=1)

    names = [f"rank|{u}" for u in units] + [f"index|{u}" for u in units]
    sob = sobol_analysis(problem, model, n_base, seed, num_resamples, conf_level, names)
    frame = sob.frame
    split = frame["output"].str.split("|", n=1, expand=True)
    frame = frame.assign(iso3=split[1], output=split[0])
    out = store["out"]
    n_fail = {f"{o}|{u}": int(np.isnan(v[:, j]).sum())
              for o, v in (("rank", out.rank), ("index", out.index))
              for j, u in enumerate(units)}
    frame["n_failed"] = [n_fail[f"{o}|{u}"] for o, u in zip(frame.output, frame.iso3,
                                                            strict=True)]
    cols = ["iso3", "output", "factor", "S1", "S1_conf", "ST", "ST_conf", "n_base",
            "n_base_used", "n_failed", "note"]
    return SensitivityResult(design, frame[cols].reset_index(drop=True), out, sob.n_base, seed,
                             time.perf_counter() - started)


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def sensitivity_sentences(sobol: pd.DataFrame, uncertainty: pd.DataFrame | None = None,
                          lang: str = "en", output: str = "rank") -> dict[str, str]:
    """One sentence per economy: which choice moves its rank (or index) most.

    Uses the total index ST (the choice's effect including its interactions). With the
    uncertainty summary, the sentence also gives the economy's 90% rank interval.
    """
    df = sobol[sobol["output"] == output]
    unc = uncertainty.set_index("iso3") if uncertainty is not None else None
    out: dict[str, str] = {}
    for iso3, g in df.groupby("iso3", sort=False):
        name = economy_name(str(iso3), lang)
        span = ""
        if unc is not None and iso3 in unc.index:
            r = unc.loc[iso3]
            lo, hi = r["p05_rank"], r["p95_rank"]
            if np.isfinite(lo) and np.isfinite(hi):
                span = (f"(90% of variants: rank {lo:.0f}–{hi:.0f})" if lang == "en"
                        else f"(90%的变体:第{lo:.0f}至{hi:.0f}名)")
        what = ("rank", "排名") if output == "rank" else ("index value", "指数值")
        if (g["note"] == "constant").all():
            out[str(iso3)] = (f"{name} ({iso3}): its {what[0]} is the same under every choice."
                              if lang == "en" else f"{name}:{what[1]}在所有选择下都不变。")
            continue
        g = g.dropna(subset=["ST"])
        if g.empty:
            out[str(iso3)] = (f"{name} ({iso3}): too many failed evaluations to attribute its "
                              f"{what[0]}." if lang == "en"
                              else f"{name}:失败的计算过多,无法归因。")
            continue
        top = g.loc[g["ST"].idxmax()]
        second = g.drop(index=top.name)["ST"].max() if len(g) > 1 else np.nan
        label = factor_label(str(top.factor), lang)
        if lang == "zh":
            s = (f"{name}的{what[1]}受{label}影响最大(总Sobol指数 {top.ST:.2f} ± "
                 f"{top.ST_conf:.2f},一阶 {top.S1:.2f}){span}。")
        else:
            s = (f"{name} ({iso3}): its {what[0]} is moved most by {label} (total Sobol index "
                 f"{top.ST:.2f} ± {top.ST_conf:.2f}, first-order {top.S1:.2f}"
                 + (f"; next {second:.2f}" if np.isfinite(second) else "") + ")"
                 + (f" {span}" if span else "") + ".")
        out[str(iso3)] = s
    return out


def write_sensitivity(res: SensitivityResult, out: Path, lang: str = "en",
                      order: Sequence[str] | None = None) -> dict[str, Path]:
    """`sobol.csv` and the Sobol heatmap (rank) as PNG + SVG."""
    out = Path(out)
    paths = {"sobol": write_csv(res.frame, out / "sobol.csv")}
    order = order or _nominal_order(res.design)
    for p in sobol_chart(res.frame, out / "fig_sobol_rank", "rank", lang, order):
        paths[f"fig_sobol_rank{p.suffix}"] = p
    return paths


def _nominal_order(design: VariantDesign) -> list[str]:
    order = np.argsort(design.nominal_rank, kind="stable")
    return [design.units[i] for i in order]


def sensitivity_section(res: SensitivityResult, outdir: Path, lang: str = "en",
                        uncertainty: pd.DataFrame | None = None) -> ReportSection:
    """Everything the report shows for the Sobol analysis: table, heatmap, one sentence per
    economy (in nominal rank order)."""
    figs = sobol_chart(res.frame, Path(outdir) / "fig_sobol_rank", "rank", lang,
                       _nominal_order(res.design))
    sent = sensitivity_sentences(res.frame, uncertainty, lang)
    ordered = [sent[u] for u in _nominal_order(res.design) if u in sent]
    wide = res.frame[res.frame.output == "rank"].pivot(index="iso3", columns="factor",
                                                       values="ST")
    wide = wide.reindex(_nominal_order(res.design)).reset_index()
    notes = tuple(n for n in (res.failure_message(), *res.design.notes) if n)
    title = "Sensitivity analysis (Sobol indices)" if lang == "en" else "敏感性分析(Sobol指数)"
    return ReportSection("sensitivity", title, {"sobol": res.frame, "sobol_rank_ST": wide},
                         tuple(figs), tuple(ordered), notes)
