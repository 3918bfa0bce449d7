"""Every analysis of one build, computed once, handed out as one typed, immutable bundle.

Why a bundle: the report, the workbook, the CSV writers and the command line each used to run
the audit, the reproduction, the flags, the Monte-Carlo and Sobol for themselves — the same
numbers computed three times, and presenters that needed the engine. Now `Build.analyses()`
(`compute_analyses`) runs each analysis once, here in the analysis layer, and the presenters
only render what it holds. A presenter that shows a number finds it in `Analyses`; the
frames it holds are exactly what the CSV files carry (a test checks that byte for byte).

The Sobol analysis (scipy import plus the estimates) runs in a forked worker while the
Monte-Carlo runs here, as the report used to do, so the bundle costs no more than before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aidi.engine.frozen import read_once
from aidi.errors import UsageError
from aidi.params import BOOL, PROGRESS, SEED, InstanceOf, Interval, Options
from aidi.progress import Progress, report

if TYPE_CHECKING:
    from aidi.analysis.audit import AuditResult
    from aidi.analysis.calibration import Calibration, SpecCalibration
    from aidi.analysis.lineage import Lineage
    from aidi.analysis.reproduction import Reproduction
    from aidi.analysis.scenarios import Scenario, ScenarioResult
    from aidi.analysis.sensitivity import SensitivityResult
    from aidi.analysis.uncertainty import UncertaintyResult
    from aidi.analysis.why_differ import WhyWeDiffer
    from aidi.api import Build
    from aidi.engine.pipeline import BuildResult
    from aidi.inputs.exposure_model import ExposureResult

__all__ = ["ANALYSES", "DEFAULT_ANALYSES", "Analyses", "DataFlags", "ExposureOutputs",
           "compute_analyses", "profiled_focus"]

#: Every analysis the bundle can hold, in the order they are computed.
ANALYSES = ("tables", "flags", "provenance", "reproduction", "statements", "why", "lineage",
            "exposure", "audit", "uncertainty", "sensitivity", "calibration", "sources")
#: What `Build.analyses` accepts (`aidi.params`: checked before it runs).
ANALYSES_PARAMS = {
    "include": [InstanceOf("a list of analysis names (aidi.analysis.bundle.ANALYSES)",
                           (list, tuple, set, frozenset)), Options(ANALYSES), None],
    "focus": [InstanceOf("a unit code or name such as 'CHN' or 'China'", (str,)), None],
    "n_samples": [Interval(int, 1, None)], "n_base": [Interval(int, 2, None)],
    "seed": [SEED], "parallel": [BOOL], "progress": [PROGRESS, None],
    "scenarios": [InstanceOf("a list of scenarios (Scenario objects, shipped names or YAML "
                             "paths)", (list, tuple))]}
#: What `aidi build` shows: everything but the calibration (`--calibrate` adds it).
DEFAULT_ANALYSES = tuple(a for a in ANALYSES if a != "calibration")
#: Analyses that need the design's choices (skipped with `robustness=False` in the CLI).
ROBUSTNESS = ("uncertainty", "sensitivity")


@dataclass(frozen=True)
class DataFlags:
    """The build's data flags (`aidi.analysis.flags`), from the build's own observations:
    `frames` (flag → units × indicators bool), `counts` (cells per flag, with `cells`,
    `missing`, `clean`), `cells` (units × indicators, flags joined by ';')."""

    frames: dict[str, pd.DataFrame]
    counts: dict[str, int]
    cells: pd.DataFrame


@dataclass(frozen=True)
class ExposureOutputs:
    """The exposure model on the build's economies, and the three tables the build writes."""

    result: ExposureResult
    long: pd.DataFrame
    summary: pd.DataFrame
    vs_source: pd.DataFrame


@dataclass(frozen=True)
class Analyses:
    """One build's analyses. A field is None when it was not asked for (`include`) or does
    not apply to the spec (no published figures → no `reproduction`, no statements → no
    `statements`, no model series → no `exposure`, no open choice → no `sensitivity`).

    `scores` and `indicators` ("tables") are the frames `scores.csv` and `indicators.csv`
    carry, the scores with the spec's intensity variant beside them (`intensity`);
    `aggregates` the aggregate nodes below the root, level by level;
    `focus` is the economy profiled item by item (None when it is the reference) and
    `reference` the unit the profile compares with (the spec's, else the leader)."""

    result: BuildResult
    observations: pd.DataFrame
    include: tuple[str, ...]
    focus: str | None
    reference: str
    aggregates: tuple[str, ...]
    scores: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    flags: DataFlags | None = None
    provenance: pd.DataFrame | None = None
    reproduction: Reproduction | None = None
    statements: pd.DataFrame | None = None
    #: (statements that hold, tested, not testable)
    statement_counts: tuple[int, int, int] = (0, 0, 0)
    intensity: BuildResult | None = None
    why: WhyWeDiffer | None = None
    lineage: Lineage | None = None
    exposure: ExposureOutputs | None = None
    audit: AuditResult | None = None
    uncertainty: UncertaintyResult | None = None
    #: per economy: nominal, median, 5th and 95th percentile of rank and index
    uncertainty_summary: pd.DataFrame | None = None
    sensitivity: SensitivityResult | None = None
    calibration: Calibration | SpecCalibration | None = None
    scenarios: tuple[ScenarioResult, ...] = ()
    catalogue: pd.DataFrame | None = None
    manifest: dict | None = None
    backcast: str | None = None
    edition: str | None = None

    @property
    def spec(self):
        return self.result.spec


def check_include(include: Collection[str] | str | None) -> tuple[str, ...]:
    """The analyses asked for, in computing order; an unknown name is a `UsageError`."""
    if include is None:
        return DEFAULT_ANALYSES
    items = [include] if isinstance(include, str) else list(include)
    bad = [i for i in items if i not in ANALYSES]
    if bad:
        raise UsageError(f"unknown analysis {bad[0]!r}; choose from {', '.join(ANALYSES)}")
    return tuple(a for a in ANALYSES if a in items)


def profiled_focus(result: BuildResult, focus: str | None) -> tuple[str | None, str]:
    """(the economy profiled, the unit it is compared with): the spec's reference, else the
    leader (a spec without a reference, e.g. COINr's min–max 0–100, compares with the
    leader); the focus is dropped when it is not built or is the reference itself."""
    ranked = result.ranks[result.spec.root.id].sort_values()
    reference = result.spec.reference or str(ranked.index[0])
    return (focus if focus in result.units and focus != reference else None), reference


def compute_analyses(build: Build, *, include: Collection[str] | str | None = None,
                     focus: str | None = None, n_samples: int = 1000, n_base: int = 512,
                     seed: int = 0, scenarios: Collection[Scenario | str | Path] = (),
                     parallel: bool = True, progress: Progress | None = None) -> Analyses:
    """Run the analyses in `include` (names from `ANALYSES`; default `DEFAULT_ANALYSES`, all
    but the calibration) on `build` and bundle them.

    `focus`: the economy profiled item by item, a code or name (default: the spec's
    presentation focus); `n_samples` (Monte-Carlo), `n_base` (Sobol base samples) and `seed`
    drive the robustness analyses; `scenarios` (`Scenario`s, shipped names or YAML paths) are
    rebuilt with `Build.with_changes` and set beside the build; `parallel` runs the Sobol
    analysis in a forked worker meanwhile; `progress` hears each analysis as a phase (and the
    Monte-Carlo's samples)."""
    from aidi.analysis.scenarios import load_scenario
    from aidi.specs.presentation import resolve_presentation

    wanted = check_include(include)
    focus = resolve_presentation(build.spec, build.units, build.index.to_dict()).focus \
        if focus is None else build.resolve_unit(focus)
    scenarios = [load_scenario(s) if isinstance(s, str | Path) else s for s in scenarios]
    # the build hands out copies: take one of each for every analysis to share (read_once:
    # `build.result` copies a frame on every read, and the renderers read cell by cell)
    result, obs, inputs = read_once(build.result), build.observations, build.inputs
    focus, reference = profiled_focus(result, focus)
    ctx = _Ctx(build, result, obs, focus)
    fields: dict[str, Any] = {}
    pool, sens_future = _start_sensitivity(result, wanted, n_base, seed, parallel)
    try:
        for name in wanted:
            if name not in ("uncertainty", "sensitivity"):
                report(progress, name)
                fields.update(_STEPS[name](ctx))
        if "uncertainty" in wanted or "sensitivity" in wanted:
            fields.update(_robustness(result, wanted, n_samples, n_base, seed, sens_future,
                                      progress))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    from aidi.analysis.scenarios import run_scenario

    fields["scenarios"] = tuple(run_scenario(build, sc) for sc in scenarios)
    from aidi.analysis.tables import aggregate_columns

    return Analyses(result, obs, wanted, focus, reference, tuple(aggregate_columns(result)),
                    backcast=inputs.backcast, edition=inputs.edition, **fields)


# ---- one step per analysis ---------------------------------------------------------------
@dataclass(frozen=True)
class _Ctx:
    """What every step reads: the build (for the analyses that rebuild), one copy of its
    result and observations, and the economy profiled."""

    build: Build
    result: BuildResult
    observations: pd.DataFrame
    focus: str | None


def _tables(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.tables import indicators_frame, scores_frame, with_intensity

    intensity = c.build.intensity()
    scores = with_intensity(scores_frame(c.result, c.observations),
                            intensity.result if intensity is not None else None)
    return {"scores": scores, "indicators": indicators_frame(c.result),
            "intensity": intensity.result if intensity is not None else None}


def _flags(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.flags import cell_flag_labels, flag_counts, flag_frames

    result, obs = c.result, c.observations
    return {"flags": DataFlags(flag_frames(result, obs), flag_counts(result, obs),
                               cell_flag_labels(result, obs))}


def _provenance(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.lineage import cell_provenance

    return {"provenance": cell_provenance(c.result, c.observations)}


def _reproduction(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.reproduction import compare

    return {"reproduction": compare(c.result) if c.result.spec.published else None}


def _statements(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.reproduction import qualitative_checks
    from aidi.analysis.statements import summary_counts

    if not c.result.spec.statements:
        return {}
    checks = qualitative_checks(c.result, c.observations)
    return {"statements": checks, "statement_counts": summary_counts(checks)}


def _why(c: _Ctx) -> dict[str, Any]:
    return {"why": c.build.why_we_differ() if c.result.spec.published else None}


def _lineage(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.lineage import explain

    if c.focus is None:
        return {}
    return {"lineage": explain(c.result, c.focus, observations=c.observations)}


def _exposure(c: _Ctx) -> dict[str, Any]:
    """The exposure model's outputs for the build's economies (specs that read it only)."""
    result = c.result
    if not any(i.series.startswith("model.exposure.") for i in result.spec.indicators()):
        return {}
    from aidi.analysis.exposure import compare_with_source
    from aidi.inputs import exposure_model as ex
    from aidi.inputs.model_series import run_exposure

    obs = c.observations
    res = run_exposure(obs[~obs["series"].str.startswith("model.")],
                       countries=list(result.units))
    return {"exposure": ExposureOutputs(res, ex.exposure_long(res), ex.exposure_summary(res),
                                        compare_with_source(res))}


def _audit(c: _Ctx) -> dict[str, Any]:
    from aidi.analysis.audit import audit

    return {"audit": audit(c.result)}


def _calibration(c: _Ctx) -> dict[str, Any]:
    """The spec's calibration procedure when it declares one, else the weights diagnostic."""
    from aidi.analysis.calibration import calibrate_spec, calibrate_weights

    result = c.result
    return {"calibration": calibrate_spec(result) if result.spec.calibration is not None
            else calibrate_weights(result)}


def _sources(c: _Ctx) -> dict[str, Any]:
    """The shipped snapshot's series catalogue and manifest (None when absent)."""
    from aidi.store.snapshot import load_manifest, load_series_catalog

    try:
        return {"catalogue": load_series_catalog(), "manifest": load_manifest().to_dict()}
    except FileNotFoundError:
        return {}


_STEPS: dict[str, Callable[[Any, str | None], dict[str, Any]]] = {
    "tables": _tables, "flags": _flags, "provenance": _provenance,
    "reproduction": _reproduction, "statements": _statements,
    "why": _why, "lineage": _lineage, "exposure": _exposure, "audit": _audit,
    "calibration": _calibration, "sources": _sources}


# ---- robustness: Monte-Carlo here, Sobol in a worker meanwhile ----------------------------
def _sensitivity_job(result: BuildResult, n_base: int, seed: int) -> SensitivityResult:
    """What the worker runs (module level: it travels by pickling)."""
    from aidi.analysis.sensitivity import run_sensitivity

    return run_sensitivity(result, n_base, seed)


def _start_sensitivity(result: BuildResult, wanted: tuple[str, ...], n_base: int, seed: int,
                       parallel: bool) -> tuple[Any, Future | None]:
    """(the pool, the Sobol future) when the Sobol analysis can run beside the rest."""
    from aidi.workers import forked_pool, worker_count

    if "sensitivity" not in wanted or not parallel or worker_count() < 2:
        return None, None
    pool = forked_pool(1)
    if pool is None:
        return None, None
    return pool, pool.submit(_sensitivity_job, result, n_base, seed)


def _robustness(result: BuildResult, wanted: tuple[str, ...], n_samples: int, n_base: int,
                seed: int, sens_future: Future | None,
                progress: Progress | None) -> dict[str, Any]:
    """The Monte-Carlo over the open choices, and the Sobol indices when there is a choice
    to vary (a spec without one gets neither a design nor a sensitivity)."""
    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.uncertainty import run_uncertainty
    from aidi.progress import SOBOL

    design = build_design(result, None)
    out: dict[str, Any] = {}
    if "uncertainty" in wanted:
        unc = run_uncertainty(result, n_samples, seed, design=design, progress=progress)
        out.update(uncertainty=unc, uncertainty_summary=unc.summary())
    if "sensitivity" in wanted and design.factors:
        report(progress, SOBOL)
        out["sensitivity"] = sens_future.result() if sens_future is not None else \
            _sensitivity_job(result, n_base, seed)
    return out
