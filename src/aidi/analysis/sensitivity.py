"""Sensitivity analysis: which uncertain choice moves each economy's rank and index most.

First-order (S1) and total (ST) Sobol indices with bootstrap confidence intervals — SALib's
Saltelli/Sobol' design and estimators, as the OECD/JRC Handbook recommends and COINr's
`get_sensitivity(SA_type = "SA")` does — computed for all outputs at once by
`aidi.analysis.sobol` (same formulas as `SALib.analyze.sobol`, checked against it to 1e-12), so
the analysis grows linearly in N and stays a small share of the run next to the model
evaluations. The model is the same vectorised variant model as the uncertainty analysis
(`aidi.analysis.robustness`): every input is uniform on [0, 1), a discrete choice with L levels
takes level ⌊u·L⌋, and the weights (one input per child weight) form one SALib *group*, so they
count as a single factor.

Outputs (`OUTPUTS`): by default each economy's `index` and `rank` — what a reader asks ("what
moves my rank?"); on request also `rank_shift` (|rank − nominal rank| per economy),
`mean_rank_shift` (the mean of those over economies, one output, iso3 "all": COINr's summary of
how much the whole ranking moves) and `pillars` (each economy's score on each of the index's
children, output `pillars.<node>`, read from the same tree pass).

Discrete choices are read on the design's 1/N grid (`VariantDesign.with_resolution`), so each
level gets exactly ⌊N/L⌋ or ⌈N/L⌉ of the N base samples. `sobol_convergence` recomputes the
indices on the nested prefixes N/8, N/4, N/2 and N of the same design — the same evaluations,
no new model runs — to show whether N was large enough.

`sobol_analysis` is a generic wrapper (model: (n, d) → (n,) or (n, m)); the tests check it on
the Ishigami function against the analytic indices. Failed evaluations are handled explicitly:
the Saltelli estimator needs complete blocks (A, B and every A_B^i of one base sample), so a
block with a failed evaluation is left out *for that output* and `n_base_used` says how many
blocks the indices rest on — nothing is dropped silently. Outputs sharing the same complete
blocks are estimated together, on the same resample indices.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aidi.analysis.budget import plan_sensitivity
from aidi.analysis.robustness.backends import chunk_rows, dask_workers, session
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.evaluate import ChunkResult
from aidi.analysis.robustness.variant_design import VariantDesign
from aidi.analysis.sobol import factor_names, saltelli_sample, sobol_indices
from aidi.engine.pipeline import BuildResult
from aidi.errors import UsageError
from aidi.progress import SOBOL, Progress, report

__all__ = ["OUTPUTS", "DEFAULT_OUTPUTS", "SobolResult", "SensitivityResult", "sobol_analysis",
           "salib_problem", "run_sensitivity", "sobol_convergence", "convergence_summary"]

Model = Callable[[np.ndarray], np.ndarray]

#: Outputs the index model can be analysed on; per economy unless noted.
OUTPUTS = {
    "index": "the economy's index value",
    "rank": "the economy's rank",
    "rank_shift": "|rank − nominal rank| of the economy",
    "mean_rank_shift": "mean |rank − nominal rank| over all economies (one output)",
    "pillars": "the economy's score on each of the index's children (output pillars.<node>)",
}
DEFAULT_OUTPUTS = ("index", "rank")
_STATS = ("S1", "S1_conf", "ST", "ST_conf")


@dataclass(frozen=True)
class SobolResult:
    """Long table: output, factor, S1, S1_conf, ST, ST_conf, n_base, n_base_used, note.

    `timings` splits the run: `sample` (the design), `model` (the evaluations), `estimate`
    (indices and bootstrap).
    """

    frame: pd.DataFrame
    inputs: np.ndarray
    outputs: np.ndarray
    n_base: int
    timings: dict[str, float] = field(default_factory=dict)


#: The phase after the model runs: the indices and their bootstrap confidence intervals.
SOBOL_BOOTSTRAP = "Sobol indices (bootstrap)"


def _groups(problem: dict[str, Any]) -> list[str]:
    """Factor names in SALib's order (groups in order of first appearance)."""
    return factor_names(problem)


def sobol_analysis(problem: dict[str, Any], model: Model, n_base: int, seed: int = 0,
                   num_resamples: int = 100, conf_level: float = 0.95,
                   output_names: Sequence[str] | None = None) -> SobolResult:
    """Sobol indices of `model` on SALib `problem`, with `n_base` base samples.

    `n_base` is rounded up to a power of 2 (Sobol' sequences lose their balance otherwise);
    the model is called once on all N·(D+2) inputs, so it should be vectorised. An output whose
    value never changes gets S1 = ST = 0 (nothing moves it), noted as "constant". `seed` drives
    both the scrambled design and the bootstrap; 0 is a seed like any other.
    """
    if n_base < 2:
        raise UsageError("n_base must be >= 2")
    n_base = 1 << math.ceil(math.log2(n_base))
    t0 = time.perf_counter()
    x = saltelli_sample(problem, n_base, seed)
    t1 = time.perf_counter()
    y2 = np.asarray(model(x), dtype=float).reshape(len(x), -1)
    t2 = time.perf_counter()
    names = list(output_names) if output_names is not None else \
        [str(j) for j in range(y2.shape[1])]
    if len(names) != y2.shape[1]:
        raise ValueError(f"{len(names)} output names for {y2.shape[1]} outputs")
    frame = _estimate(y2, n_base, _groups(problem), names, num_resamples, conf_level, seed)
    timings = {"sample": t1 - t0, "model": t2 - t1, "estimate": time.perf_counter() - t2}
    return SobolResult(frame, x, y2, n_base, timings)


def _estimate(y2: np.ndarray, n_base: int, factors: Sequence[str], names: Sequence[str],
              num_resamples: int, conf_level: float, seed: int) -> pd.DataFrame:
    """The long table of indices from the first `n_base` Saltelli blocks of outputs `y2`
    ((n_base·(D+2), M)); blocks with a failed evaluation are left out per output."""
    d, m = len(factors), y2.shape[1]
    blocks = y2.reshape(n_base, d + 2, m)
    ok = np.isfinite(blocks).all(axis=1)                     # (N, M): complete blocks
    stats = {k: np.full((d, m), np.nan) for k in _STATS}
    used_n = ok.sum(axis=0)
    notes = np.full(m, "", dtype=object)
    groups: dict[bytes, list[int]] = {}      # outputs with the same complete blocks
    packed = np.packbits(ok, axis=0)
    for j in range(m):
        groups.setdefault(packed[:, j].tobytes(), []).append(j)
    for members in groups.values():
        cols, mask = np.asarray(members), ok[:, members[0]]
        if mask.sum() < 2:
            notes[cols] = "too few complete blocks"
            continue
        used = blocks if len(cols) == m and mask.all() else blocks[mask][:, :, cols]
        res = sobol_indices(used.reshape(-1, len(cols)), d, num_resamples, conf_level, seed)
        for k in _STATS:
            stats[k][:, cols] = getattr(res, k)
        constant = np.ptp(used.reshape(-1, len(cols)), axis=0) == 0
        notes[cols[constant]] = "constant"
    failed = (used_n < n_base) & (notes == "")
    notes[failed] = [f"{n_base - int(k)} blocks with a failed evaluation left out"
                     for k in used_n[failed]]
    frame = pd.DataFrame({"output": np.repeat(names, d), "factor": np.tile(factors, m),
                          **{k: v.T.ravel() for k, v in stats.items()},
                          "n_base": n_base, "n_base_used": np.repeat(used_n, d),
                          "note": np.repeat(notes, d)})
    return frame


def salib_problem(design: VariantDesign) -> dict[str, Any]:
    """The SALib problem of a variant design: unit inputs, weights grouped as one factor."""
    names, groups = [], []
    for f in design.factors:
        if not f.discrete:  # one group per weights factor (`weights` or `weights.level2`)
            for node_id in f.nodes:
                node = design.tree.nodes[design.tree.aggregate_ids.index(node_id)]
                names += [f"weights.{node_id}.{c}" for c in node.children]
                groups += [f.name] * len(node.children)
        else:
            names.append(f.name)
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
            "groups": groups}


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of every uncertain choice on every economy's rank and index.

    `timings` (seconds): `design`, `sample`, `model` (the evaluations), `estimate` (indices and
    bootstrap) and `assemble` (the table); `seconds` is their total.
    """

    design: VariantDesign
    frame: pd.DataFrame      # iso3, output, factor, S1, S1_conf, ST, ST_conf, n_base, ...
    outputs: ChunkResult     # every evaluation of the Saltelli design
    n_base: int
    seed: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    requested: tuple[str, ...] = DEFAULT_OUTPUTS   # the outputs asked for (`OUTPUTS` names)
    num_resamples: int = 100
    conf_level: float = 0.95
    #: the output matrix the indices were estimated from (evaluations × outputs)
    values: np.ndarray | None = None

    @property
    def n_evaluations(self) -> int:
        return int(self.outputs.failure.shape[0])

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.outputs.failure))

    @property
    def headline(self) -> str:
        """The output the table, chart and sentences read: rank if analysed, else index."""
        return "rank" if (self.frame["output"] == "rank").any() else "index"

    @property
    def outside_model_share(self) -> float:
        """Share of the run not spent evaluating the model (sampling, estimation, tables)."""
        return 1.0 - self.timings.get("model", 0.0) / self.seconds if self.seconds else 0.0

    def convergence(self, steps: int = 4) -> pd.DataFrame:
        """The indices recomputed on nested prefixes of this run's design (`sobol_convergence`)."""
        return sobol_convergence(self, steps)

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


def parse_outputs(outputs: str | Sequence[str] | None) -> tuple[str, ...]:
    """Requested outputs, checked: known names, at least `rank` or `index` (what the table,
    chart and sentences read), no duplicates. A comma-separated string is accepted."""
    if outputs is None:
        return DEFAULT_OUTPUTS
    items = [s.strip() for s in outputs.split(",")] if isinstance(outputs, str) else \
        [str(s).strip() for s in outputs]
    items = list(dict.fromkeys(s for s in items if s))
    bad = [s for s in items if s not in OUTPUTS]
    if bad:
        raise UsageError(f"unknown output(s) {bad}; choose from {', '.join(OUTPUTS)}")
    if not {"rank", "index"} & set(items):
        raise UsageError("outputs must include rank or index (the table and chart read them)")
    return tuple(items)


def _model_outputs(out: ChunkResult, design: VariantDesign,
                   outputs: Sequence[str]) -> tuple[np.ndarray, list[str], list[str]]:
    """The (n, m) output matrix of the requested outputs, with their kind and iso3 per column."""
    units = list(design.units)
    shift = np.abs(out.rank - design.nominal_rank[None, :])
    per_unit = {"index": out.index, "rank": out.rank, "rank_shift": shift}
    cols, kinds, iso3 = [], [], []
    for name in outputs:
        if name == "mean_rank_shift":
            cols.append(shift.mean(axis=1, keepdims=True))  # NaN if any economy failed
            kinds.append(name)
            iso3.append("all")
        elif name == "pillars":
            if out.nodes is None:
                raise ValueError("the evaluations carry no pillar scores (evaluate(nodes=...))")
            for k, node_id in enumerate(out.node_ids):
                cols.append(out.nodes[:, :, k])
                kinds += [f"pillars.{node_id}"] * len(units)
                iso3 += units
        else:
            cols.append(per_unit[name])
            kinds += [name] * len(units)
            iso3 += units
    return np.concatenate(cols, axis=1), kinds, iso3


def run_sensitivity(result: BuildResult, n_base: int = 1024, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy",
                    scheduler: Any = None, chunk_size: int | None = None,
                    num_resamples: int = 100, conf_level: float = 0.95,
                    design: VariantDesign | None = None,
                    outputs: str | Sequence[str] | None = None,
                    progress: Progress | None = None) -> SensitivityResult:
    """Sobol analysis of a nominal build (N·(D+2) evaluations of the vectorised model);
    `progress` hears the evaluations, then the bootstrap of the indices.

    The evaluations are written chunk by chunk straight into the output matrix the estimator
    reads (`OutputColumns`); `chunk_size` defaults to the memory plan's
    (`aidi.analysis.budget.plan_sensitivity`), which refuses a run that does not fit."""
    started = time.perf_counter()
    wanted = parse_outputs(outputs)
    design = design or build_design(result, config)
    if not design.factors:
        raise UsageError("no uncertain choice is switched on: nothing to analyse")
    if n_base < 2:
        raise UsageError("n_base must be >= 2")
    workers = dask_workers(scheduler) if backend == "dask" else 1
    plan = plan_sensitivity(design, n_base, wanted, chunk_size=chunk_size, workers=workers)
    # discrete levels on the design's 1/N grid: each level gets ⌊N/L⌋ or ⌈N/L⌉ base samples
    design = design.with_resolution(1 << math.ceil(math.log2(n_base)))
    problem = salib_problem(design)
    t_design = time.perf_counter() - started
    store: dict[str, Any] = {}
    nodes = design.node_columns("pillars") if "pillars" in wanted else ()

    def model(x: np.ndarray) -> np.ndarray:
        cols = OutputColumns(design, len(x), wanted, nodes)
        with session(design, x, backend, scheduler, nodes, progress, SOBOL) as run:
            run(chunk_rows(design, x, plan.chunk), cols.add)
        store["cols"] = cols
        report(progress, SOBOL_BOOTSTRAP)
        return cols.y

    names = [str(j) for j in range(_n_outputs(design, wanted))]
    sob = sobol_analysis(problem, model, n_base, seed, num_resamples, conf_level, names)
    t_asm = time.perf_counter()
    cols = store["cols"]
    frame = _assemble(sob.frame, cols.kinds, cols.iso3, cols.y, len(_groups(problem)))
    end = time.perf_counter()
    timings = {"design": t_design, **sob.timings, "assemble": end - t_asm}
    return SensitivityResult(design, frame, cols.result(), sob.n_base, seed, end - started,
                             timings, wanted, num_resamples, conf_level, cols.y)


class OutputColumns:
    """The model's output matrix y (evaluations × outputs, in `_model_outputs`' column order),
    filled chunk by chunk; index, rank and pillar scores are views of its columns (separate
    arrays only when not analysed), so nothing is held twice."""

    def __init__(self, design: VariantDesign, n: int, wanted: Sequence[str],
                 nodes: tuple[str, ...]) -> None:
        units = list(design.units)
        n_u = len(units)
        self.nominal = design.nominal_rank
        self.layout: list[tuple[str, int]] = []   # (output, first column)
        self.kinds: list[str] = []
        self.iso3: list[str] = []
        col = 0
        for name in wanted:
            self.layout.append((name, col))
            if name == "mean_rank_shift":
                self.kinds.append(name)
                self.iso3.append("all")
                col += 1
            elif name == "pillars":
                for node_id in nodes:
                    self.kinds += [f"pillars.{node_id}"] * n_u
                    self.iso3 += units
                col += n_u * len(nodes)
            else:
                self.kinds += [name] * n_u
                self.iso3 += units
                col += n_u
        self.y = np.empty((n, col))
        at = dict(self.layout)
        self.index = self.y[:, at["index"]:at["index"] + n_u] if "index" in at else \
            np.empty((n, n_u))
        self.rank = self.y[:, at["rank"]:at["rank"] + n_u] if "rank" in at else \
            np.empty((n, n_u))
        self.nodes = None
        if "pillars" in at:
            block = self.y[:, at["pillars"]:at["pillars"] + n_u * len(nodes)]
            self.nodes = block.reshape(n, len(nodes), n_u).transpose(0, 2, 1)
        self.failure = np.zeros(n, dtype=np.intp)
        self.node_ids = nodes

    def add(self, rows: np.ndarray, chunk: ChunkResult) -> None:
        self.index[rows] = chunk.index
        self.rank[rows] = chunk.rank
        self.failure[rows] = chunk.failure
        n_u = chunk.index.shape[1]
        shift = np.abs(chunk.rank - self.nominal[None, :])
        for name, col in self.layout:
            if name == "rank_shift":
                self.y[rows, col:col + n_u] = shift
            elif name == "mean_rank_shift":
                self.y[rows, col] = shift.mean(axis=1)  # NaN if any economy failed
            elif name == "pillars":
                self.nodes[rows] = chunk.nodes

    def result(self) -> ChunkResult:
        return ChunkResult(self.index, self.rank, self.failure, self.nodes, self.node_ids)


def _assemble(frame: pd.DataFrame, kinds: Sequence[str], iso3: Sequence[str], y: np.ndarray,
              d: int) -> pd.DataFrame:
    """`_estimate`'s table with each output's economy and kind, and its failed evaluations."""
    frame = frame.assign(iso3=np.repeat(iso3, d), output=np.repeat(kinds, d))
    frame["n_failed"] = np.repeat(np.isnan(y).sum(axis=0), d)
    cols = ["iso3", "output", "factor", "S1", "S1_conf", "ST", "ST_conf", "n_base",
            "n_base_used", "n_failed", "note"]
    return frame[cols].reset_index(drop=True)


def _n_outputs(design: VariantDesign, outputs: Sequence[str]) -> int:
    per_unit = {"mean_rank_shift": 1, "pillars": len(design.node_columns("pillars"))}
    return sum(per_unit.get(o, 1) * (1 if o == "mean_rank_shift" else len(design.units))
               for o in outputs)


def convergence_sizes(n_base: int, steps: int = 4) -> list[int]:
    """The nested base-sample sizes of a convergence check: N/2^(steps−1), …, N/2, N (those
    ≥ 2). Each is a power of two, so each prefix of the Sobol design is itself balanced."""
    if steps < 1:
        raise UsageError("steps must be >= 1")
    return [n_base >> k for k in range(steps - 1, -1, -1) if n_base >> k >= 2]


def sobol_convergence(res: SensitivityResult, steps: int = 4,
                      num_resamples: int | None = None) -> pd.DataFrame:
    """The Sobol indices of `res` recomputed on nested prefixes of its design (N/8, N/4, N/2,
    N by default): the same evaluations, no new model run — a prefix of n base samples is the
    first n·(D+2) rows of the Saltelli design. Same seed, bootstrap and failure rules as the
    full analysis, so the N row equals `res.frame`. Long table: iso3, output, factor, n_base,
    S1, S1_conf, ST, ST_conf, n_base_used, n_failed, note.
    """
    design = res.design
    if res.values is not None:
        y, kinds, iso3 = res.values, list(res.frame["output"]), list(res.frame["iso3"])
        d = len(_groups(salib_problem(design)))
        kinds, iso3 = kinds[::d], iso3[::d]
    else:
        y, kinds, iso3 = _model_outputs(res.outputs, design, res.requested)
    factors = _groups(salib_problem(design))
    d = len(factors)
    names = [str(j) for j in range(y.shape[1])]
    resamples = res.num_resamples if num_resamples is None else num_resamples
    frames = []
    for n in convergence_sizes(res.n_base, steps):
        part = y[: n * (d + 2)]
        est = _estimate(part, n, factors, names, resamples, res.conf_level, res.seed)
        frames.append(_assemble(est, kinds, iso3, part, d))
    return pd.concat(frames, ignore_index=True)


def convergence_summary(conv: pd.DataFrame) -> pd.DataFrame:
    """Per (output kind, factor, n_base): the mean over economies of S1, ST and their
    half-widths — what the convergence chart draws — and the largest change of any economy's
    ST from the previous size (`max_abs_change_ST`, NaN at the smallest)."""
    keys = ["output", "factor", "n_base"]
    g = conv.groupby(keys, sort=True)
    out = g[["S1", "S1_conf", "ST", "ST_conf"]].mean().reset_index()
    wide = conv.pivot_table(index=["output", "factor", "iso3"], columns="n_base", values="ST",
                            dropna=False)
    change = wide.diff(axis=1).abs().groupby(level=["output", "factor"]).max()
    long = change.stack(future_stack=True).rename("max_abs_change_ST").reset_index()
    return out.merge(long, on=keys, how="left")
