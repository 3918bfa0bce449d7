"""The public Python API: `aidi.build(...)` → an immutable `Build` that owns its inputs.

Everything else — the CLI, the report, the explorer, the batch analyses — is a layer over
this: it loads the spec and the data the way `aidi build` does, runs the one pipeline
(`aidi.engine.pipeline`), and hands back an object from which every number can be traced.

    >>> import aidi
    >>> b = aidi.build()                       # AIDI 2024 on the embedded data
    >>> b.scores.loc["CHN", "index"]           # doctest: +SKIP
    >>> b.with_weights({"data": 0.5}).ranks    # doctest: +SKIP

No method writes files: writers in `aidi.report` take the result objects and a folder.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import FrozenInstanceError, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aidi.analysis.bundle import ANALYSES_PARAMS
from aidi.engine.frozen import CopyingResult, copied_fields, freeze_fields
from aidi.engine.pipeline import BuildResult, resolve_units
from aidi.engine.pipeline import build as run_pipeline
from aidi.errors import InputError, UnknownUnitError, UsageError
from aidi.inputs.build_inputs import Inputs, as_units, load_inputs, spec_from_source
from aidi.params import (
    ANYTHING,
    BOOL,
    COUNTRIES,
    FRACTION,
    PATH,
    PROGRESS,
    SEED,
    TEXT,
    InstanceOf,
    Interval,
    MappingOf,
    Options,
    TextList,
    validate_params,
)
from aidi.progress import BUILDING, LOADING, Progress, report
from aidi.sources.coinr import CoinInputs
from aidi.sources.coinr import read_coin as _read_coin
from aidi.specs.schema import IndexSpec

if TYPE_CHECKING:
    from aidi.analysis.attribution import Attribution, Change
    from aidi.analysis.audit import AuditResult, AuditThresholds
    from aidi.analysis.bundle import Analyses
    from aidi.analysis.gap import Gap
    from aidi.analysis.lineage import Lineage
    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.analysis.robustness.variant_design import VariantDesign
    from aidi.analysis.scenarios import Scenario
    from aidi.analysis.sensitivity import SensitivityResult
    from aidi.analysis.uncertainty import UncertaintyResult
    from aidi.analysis.why_differ import WhyWeDiffer

__all__ = ["Build", "Comparison", "Inputs", "build", "load_inputs", "load_spec", "read_coin"]

#: The edition whose data the shipped snapshot pins.
DEFAULT_EDITION = "2024"
#: Data availability asked of each economy when building beyond the spec's own list
#: (`countries="all"`): an economy with most indicators missing would be scored on a handful.
WIDE_BUILD_MIN_AVAILABILITY = 0.6


# ---- what the public entry points accept (declared once: aidi.params) -------------------------
SPEC_KINDS = (InstanceOf("a shipped spec name ('aidi-2024', 'asem') or a YAML path", (str, Path)),
        InstanceOf("an IndexSpec", (IndexSpec,)),
        InstanceOf("a dict of spec data", (Mapping,)))
EDITION_KINDS = (InstanceOf("an edition: a year such as '2023' or 'latest'", (str,)),
           Interval(int, 1900, 2100))
DATA = (InstanceOf("tidy observations (a DataFrame: iso3, year, series, value, …) or "
                   "aidi.read_coin(idata, imeta)", (pd.DataFrame, CoinInputs)),)
FRAME = InstanceOf("a DataFrame", (pd.DataFrame,))
NODE = InstanceOf("a node id of the build's spec (text, e.g. 'index')", (str,))
UNIT = InstanceOf("a unit code or name such as 'CHN' or 'China'", (str,))
OTHER_BUILD = InstanceOf("another aidi.Build (e.g. aidi.build(edition='2023'))",
                         lazy=lambda: (Build,))
SCENARIO = (InstanceOf("a Scenario", lazy=lambda: (_scenario_type(),)),
            InstanceOf("a shipped scenario name or a YAML path", (str, Path)))
CONFIG = InstanceOf("an aidi.analysis.robustness.config.UncertaintyConfig",
                    lazy=lambda: (_robustness_types()[0],))
DESIGN = InstanceOf("a VariantDesign (aidi.analysis.robustness.design.build_design)",
                    lazy=lambda: (_robustness_types()[1],))
BACKEND = Options(("numpy", "dask"))
CHUNK = Interval(int, 1, None)
OUTPUTS = (TEXT, TextList("output name", "['rank', 'index']"))
THRESHOLDS = InstanceOf("an aidi.analysis.audit.AuditThresholds",
                        lazy=lambda: (_audit_thresholds(),))
CHANGES = InstanceOf("a list of aidi.analysis.attribution.Change", (list, tuple))


def _robustness_types() -> tuple[type, type]:
    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.analysis.robustness.variant_design import VariantDesign

    return UncertaintyConfig, VariantDesign


def _scenario_type() -> type:
    from aidi.analysis.scenarios import Scenario

    return Scenario


def _audit_thresholds() -> type:
    from aidi.analysis.audit import AuditThresholds

    return AuditThresholds


@validate_params({"idata": [PATH, None], "imeta": [PATH, None],
                  "steps": [PATH, InstanceOf("a dict of steps", (Mapping,)), None]})
def read_coin(idata: str | Path | None, imeta: str | Path | None,
              steps: str | Path | Mapping[str, Any] | None = None) -> CoinInputs:
    """Read COINr's `iData`/`iMeta` tables (and optionally a steps file) for `aidi.build(data=…)`."""
    return _read_coin(None if idata is None else Path(idata),
                      None if imeta is None else Path(imeta), steps)


@validate_params({"source": [PATH, None]})
def load_spec(source: str | Path | None = None) -> IndexSpec:
    """A shipped spec by name (`aidi-2024`, `asem`) or a YAML file by path; a COINr steps file
    (`kind: coinr-steps`) gets its tree from the iMeta table it names."""
    return spec_from_source(source)


@validate_params({"spec": [*SPEC_KINDS, None], "edition": [*EDITION_KINDS, None],
                  "countries": [*COUNTRIES, None], "data": [*DATA, None],
                  "min_availability": [FRACTION, None], "vintage": [TEXT, None],
                  "progress": [PROGRESS, None]})
def build(spec: str | Path | IndexSpec | Mapping[str, Any] | None = None, *,
          edition: str | int | None = None,
          countries: Sequence[str] | str | None = None,
          data: pd.DataFrame | CoinInputs | None = None,
          min_availability: float | None = None, vintage: str | None = None,
          progress: Progress | None = None) -> Build:
    """Build an index and return the immutable `Build`.

    - `spec`: a shipped name (`"aidi-2024"`, `"asem"`), a YAML path, an `IndexSpec` or a dict
      of spec data; default: the AIDI 2024 spec (or the spec that comes with a COINr `data`).
    - `edition`: the index's year (`"2023"`: data window ending 2022; `"latest"`: each
      series' newest complete years; default: the spec as written, i.e. 2024).
    - `vintage`: the state of the data (`"snapshot"`, `"latest"`, `"v3"`, a pin; default: the
      edition's pin in the local store, else the shipped snapshot).
    - `countries`: a group name (`TARGET_20`, `G20`), `"all"`, or a list of codes or names.
    - `data`: tidy observations, or `aidi.read_coin(idata, imeta)`; default: the local store
      or the embedded snapshot, with the model series (AI exposure), as the CLI does.
    - `min_availability`: drop units with a smaller share of indicators (default: the
      spec's; 0.6 with `countries="all"`).
    - `progress`: an `aidi.progress.Progress` callback; hears "loading data", "building".
    """
    report(progress, LOADING)
    inputs = load_inputs(spec, edition=None if edition is None else str(edition),
                         countries=countries, data=data, vintage=vintage)
    report(progress, BUILDING)
    return Build.from_inputs(inputs, min_availability=min_availability)


@dataclass(frozen=True)
class Comparison:
    """Two builds side by side: per unit and node, scores (relative to the reference) and
    ranks of each, and their differences. `frame` columns: iso3, node, score_a, score_b,
    score_change, rank_a, rank_b, rank_change (positive = moved up)."""

    frame: pd.DataFrame

    @validate_params({"node": [NODE, None], "k": [Interval(int, 1, None)]})
    def largest(self, node: str | None = None, k: int = 10) -> pd.DataFrame:
        f = self.frame if node is None else self.frame[self.frame["node"] == node]
        return f.reindex(f["score_change"].abs().sort_values(ascending=False).index).head(k)


class Build:
    """One build: its inputs, every stage (`result`), and methods for what to ask of it.

    Deep-frozen: made only by `aidi.build(...)` or `Build.from_inputs(inputs)`; attributes
    cannot be set, and every frame it hands out (`scores`, `result.normalised`,
    `inputs.observations`, …) is a copy-on-write copy over read-only arrays, so writing into
    one raises or changes that copy only — never what a later question of the build answers.
    `with_weights`, `with_changes` and `with_spec` return new builds from the same inputs; the
    analyses return result objects of plain DataFrames, the caller's to keep.
    """

    __slots__ = ("_inputs", "_result", "_view")
    _inputs: Inputs
    _result: BuildResult
    _view: BuildResult

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise UsageError("a Build is made by aidi.build(...) or aidi.Build.from_inputs(inputs)"
                         ", which run the pipeline on its inputs")

    @classmethod
    def _made(cls, inputs: Inputs, result: BuildResult) -> Build:
        """The one constructor: the inputs and result, their arrays made read-only."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "_inputs", freeze_fields(inputs))
        object.__setattr__(obj, "_result", freeze_fields(result))
        object.__setattr__(obj, "_view", CopyingResult.of(result))
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"a Build is immutable (cannot set {name!r}): with_weights, "
                                  "with_changes, with_spec and with_units make another")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"a Build is immutable (cannot delete {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._inputs, self._result))

    def __repr__(self) -> str:
        return (f"<aidi.Build {self.spec.id}: {len(self.units)} units, "
                f"origin {self.origin!r}>")

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    @validate_params({"inputs": [InstanceOf("aidi.api.Inputs (aidi.api.load_inputs)",
                                            (Inputs,))],
                      "min_availability": [FRACTION, None], "data_override": [FRAME, None]})
    def from_inputs(cls, inputs: Inputs, *, min_availability: float | None = None,
                    data_override: pd.DataFrame | None = None) -> Build:
        """Build `inputs` (`aidi.api.load_inputs`), optionally with another availability
        screen or some indicator values replaced (`data_override`, units × indicators)."""
        spec = inputs.spec
        units = _resolve_units(spec, inputs)
        if min_availability is None and isinstance(inputs.units, str) and \
                inputs.units.strip().lower() == "all":
            min_availability = WIDE_BUILD_MIN_AVAILABILITY
        if min_availability is not None:
            spec = spec.model_copy(update={"screen": spec.screen.model_copy(
                update={"min_availability": float(min_availability)})})
            inputs = replace(inputs, spec=spec)
        result = run_pipeline(spec, inputs.observations, units=units,
                              unit_info=inputs.unit_info, data_override=data_override)
        return cls._made(inputs, result)

    def _rebuild(self, spec: IndexSpec, data_override: pd.DataFrame | None = None) -> Build:
        inputs = replace(self._inputs, spec=spec, units=self.units)
        result = run_pipeline(spec, inputs.observations, units=list(self.candidate_units),
                              unit_info=inputs.unit_info, data_override=data_override)
        return Build._made(inputs, result)

    # ---- what was built (copies: writing into them never changes the build) -----------------
    @property
    def inputs(self) -> Inputs:
        """What the build was made from (its frames are copies)."""
        return copied_fields(self._inputs)

    @property
    def result(self) -> BuildResult:
        """Every stage of the pipeline (each frame a new copy every time it is read)."""
        return self._view

    @property
    def origin(self) -> str:
        return self._inputs.origin

    @property
    def spec(self) -> IndexSpec:
        return self._result.spec

    @property
    def observations(self) -> pd.DataFrame:
        return self._inputs.observations.copy(deep=False)

    @property
    def units(self) -> tuple[str, ...]:
        return self._result.units

    @property
    def candidate_units(self) -> tuple[str, ...]:
        """Every unit asked for that passed the raw-data screen (what a rebuild starts from)."""
        cand = self._result.candidates
        return tuple(cand.index) if cand is not None else self.units

    @property
    def scores(self) -> pd.DataFrame:
        """Every aggregate node's score per unit (pillars and index relative to the reference
        where the spec standardises them)."""
        return self._result.scores.copy(deep=False)

    @property
    def ranks(self) -> pd.DataFrame:
        return self._result.ranks.copy(deep=False)

    @property
    def index(self) -> pd.Series:
        return self._result.index.copy(deep=False)

    @property
    def contributions(self) -> pd.DataFrame:
        return self._result.contributions.copy(deep=False)

    @property
    def log(self) -> pd.DataFrame:
        """What each step did, one record per action (step, unit, indicator, code, method,
        before, after, detail)."""
        return self._result.log_frame()

    def relative(self) -> pd.DataFrame:
        """Every aggregate node divided by the reference unit's value (reference = 1)."""
        return self._result.relative_scores().copy(deep=False)

    @property
    def provenance(self) -> pd.DataFrame:
        """One row per (unit, indicator): series, year_from, year_to, year label, source, file,
        denominator series/source/file, transform, raw value, value used, imputed, imputation
        method, treated and normalised value."""
        from aidi.analysis.lineage import cell_provenance

        return cell_provenance(self._result, self._inputs.observations)

    # ---- questions ------------------------------------------------------------------------------
    @validate_params({"unit": [UNIT], "node": [NODE, None]})
    def explain(self, unit: str, node: str | None = None) -> Lineage:
        """How `unit`'s score at `node` (default: the index) came to be, down to raw values."""
        from aidi.analysis.lineage import explain

        code = self.resolve_unit(unit)
        if node is not None:
            self.resolve_node(node)
        return explain(self._result, code, node, observations=self._inputs.observations)

    @validate_params({"unit": [UNIT]})
    def resolve_unit(self, unit: str) -> str:
        """A unit code of this build from a code or name (case-insensitive), or a clear error."""
        from aidi.countries import resolve_unit

        try:
            code = resolve_unit(unit, allowed=self.units + self._result.screened_out)
        except UnknownUnitError:
            raise
        if code in self._result.screened_out:
            raise UnknownUnitError(f"{code} was screened out of this build for lack of data")
        return code

    @validate_params({"node": [NODE]})
    def resolve_node(self, node: str) -> str:
        """`node` if it is a node id of this build's spec, else an error with the closest."""
        ids = [n.id for n in self.spec.iter_nodes()]
        if node not in ids:
            import difflib

            close = difflib.get_close_matches(node, ids, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f"; nodes: {', '.join(ids)}"
            raise InputError(f"no node {node!r} in spec {self.spec.id}{hint}")
        return node

    @validate_params({"weights": [MappingOf("node ids to weights", "{'data': 0.5}")]})
    def with_weights(self, weights: Mapping[str, float]) -> Build:
        """The same build with some nodes' weights (within their parent) changed."""
        from aidi.specs.edit import with_weights

        for node_id in weights:
            self.resolve_node(node_id)
        return self._rebuild(with_weights(self.spec, weights))

    @validate_params({"units": [*COUNTRIES]})
    def with_units(self, units: Sequence[str] | str) -> Build:
        """The same spec and data built for other units (codes, names or a group)."""
        return Build.from_inputs(replace(self._inputs, units=as_units(units)))

    @validate_params({"spec": [InstanceOf("an IndexSpec", (IndexSpec,))]})
    def with_spec(self, spec: IndexSpec) -> Build:
        """The same inputs built with another spec (e.g. `spec.model_copy(update=...)`)."""
        return self._rebuild(spec)

    @validate_params({"scenario": [*SCENARIO]})
    def with_changes(self, scenario: Scenario | str | Path) -> Build:
        """The build with a scenario's changes to indicator values (see `aidi.analysis.scenarios`)."""
        from aidi.analysis.scenarios import load_scenario, scenario_override

        sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
        sc = _resolve_scenario_units(sc, self)
        return self._rebuild(self.spec, scenario_override(self._result, sc))

    @validate_params({"n_samples": [Interval(int, 1, None)], "seed": [SEED],
                      "config": [CONFIG, None], "backend": [BACKEND], "scheduler": [ANYTHING],
                      "chunk_size": [CHUNK, None], "design": [DESIGN, None],
                      "keep_samples": [BOOL, None], "progress": [PROGRESS, None],
                      "save_samples": [BOOL]})
    def uncertainty(self, n_samples: int = 1000, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy", *,
                    scheduler: Any = None, chunk_size: int | None = None,
                    design: VariantDesign | None = None, keep_samples: bool | None = None,
                    progress: Progress | None = None,
                    save_samples: bool = False) -> UncertaintyResult:
        """Monte-Carlo over the open choices (see `aidi.analysis.uncertainty`): `backend`
        "dask" runs on `scheduler` (an address or a Client; default a local cluster);
        `chunk_size` and `keep_samples` (keep every sample's outputs) default to the memory
        plan's, which refuses a run that does not fit before anything is allocated
        (`save_samples`: every sample is to be written — kept, and the written table counted
        in the plan); `design` reuses one already made
        (`aidi.analysis.robustness.design.build_design`)."""
        from aidi.analysis.robustness.design import build_design
        from aidi.analysis.uncertainty import run_uncertainty

        design = design or build_design(self._result, config)
        return run_uncertainty(self._result, n_samples=n_samples, seed=seed, config=config,
                               backend=backend, scheduler=scheduler, chunk_size=chunk_size,
                               design=design, keep_samples=keep_samples, progress=progress,
                               save_samples=save_samples)

    @validate_params({"n_base": [Interval(int, 2, None)], "seed": [SEED],
                      "config": [CONFIG, None], "backend": [BACKEND], "scheduler": [ANYTHING],
                      "chunk_size": [CHUNK, None], "num_resamples": [Interval(int, 1, None)],
                      "conf_level": [Interval(float, 0, 1, "neither")],
                      "design": [DESIGN, None], "outputs": [*OUTPUTS, None],
                      "progress": [PROGRESS, None]})
    def sensitivity(self, n_base: int = 1024, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy", *,
                    scheduler: Any = None, chunk_size: int | None = None,
                    num_resamples: int = 100, conf_level: float = 0.95,
                    design: VariantDesign | None = None,
                    outputs: str | Sequence[str] | None = None,
                    progress: Progress | None = None) -> SensitivityResult:
        """Sobol indices of the open choices (see `aidi.analysis.sensitivity`): N·(D+2)
        evaluations; `num_resamples` and `conf_level` set the bootstrap of the indices,
        `outputs` the outputs analysed (default rank and index)."""
        from aidi.analysis.robustness.design import build_design
        from aidi.analysis.sensitivity import run_sensitivity

        design = design or build_design(self._result, config)
        return run_sensitivity(self._result, n_base=n_base, seed=seed, config=config,
                               backend=backend, scheduler=scheduler, chunk_size=chunk_size,
                               num_resamples=num_resamples, conf_level=conf_level,
                               design=design, outputs=outputs, progress=progress)

    @validate_params(ANALYSES_PARAMS)
    def analyses(self, *, include: Collection[str] | str | None = None,
                 focus: str | None = None, n_samples: int = 1000, n_base: int = 512,
                 seed: int = 0, scenarios: Sequence[Scenario | str | Path] = (),
                 parallel: bool = True, progress: Progress | None = None) -> Analyses:
        """Every analysis of this build, computed once, in one immutable bundle — what the
        report, the workbook and the CLI render (`aidi.analysis.bundle.compute_analyses`)."""
        from aidi.analysis.bundle import compute_analyses

        return compute_analyses(self, include=include, focus=focus, n_samples=n_samples,
                                n_base=n_base, seed=seed, scenarios=scenarios,
                                parallel=parallel, progress=progress)

    @validate_params({"thresholds": [THRESHOLDS, None]})
    def audit(self, thresholds: AuditThresholds | None = None) -> AuditResult:
        """Statistical audit: correlations, Cronbach's alpha, PCA, outlier flags (`thresholds`
        default to `aidi.analysis.audit.AuditThresholds()`)."""
        from aidi.analysis.audit import audit

        return audit(self._result, thresholds)

    @validate_params({"a": [UNIT], "b": [UNIT], "node": [NODE, None]})
    def gap(self, a: str, b: str, node: str | None = None) -> Gap:
        """The smallest improvement of A's indicators under `node` (default: all) that puts
        A's index strictly above B's — a factor on a four-significant-digit grid (see
        `aidi.analysis.gap`); `.scenario` applies it with `with_changes`."""
        from aidi.analysis.gap import gap

        return gap(self._result, self.resolve_unit(a), self.resolve_unit(b),
                   self.resolve_node(node) if node else None)

    @validate_params({"other": [OTHER_BUILD], "label_a": [TEXT], "label_b": [TEXT],
                      "changes": [CHANGES, None]})
    def diff(self, other: Build, *, label_a: str = "A", label_b: str = "B",
             changes: Sequence[Change] | None = None) -> Attribution:
        """Why every score moved from this build to `other`: the change split exactly
        (Owen/Shapley) into data (by dimension), methodology (by event: indicators entering or
        leaving, stand-ins, series switches, window and method changes) and weights; `changes`
        regroups them (`aidi.analysis.attribution.merge_changes`)."""
        from aidi.analysis.attribution import attribute

        return attribute(self, other, label_a=label_a, label_b=label_b, changes=changes)

    def intensity(self) -> Build | None:
        """The spec's intensity variant (per person or per unit of output,
        `aidi.specs.intensity`) on the same data and economies; None when the spec declares
        no intensity form."""
        from aidi.specs.intensity import has_intensity, intensity_spec

        if not has_intensity(self.spec):
            return None
        return Build.from_inputs(replace(self._inputs, spec=intensity_spec(self._inputs.spec)))

    def counterpart(self) -> Build | None:
        """The spec's `counterpart` (e.g. the source's index as published beside the
        validity-driven one) built on the same data, economies and edition; None without one."""
        name = self.spec.counterpart
        if not name:
            return None
        spec = load_spec(name)
        edition = self._inputs.edition
        if edition is None or str(edition).strip() in ("", DEFAULT_EDITION):
            return Build.from_inputs(replace(self._inputs, spec=spec))
        from aidi.inputs.editions import edition_inputs

        ei = edition_inputs(spec, edition, countries=self._inputs.units,
                            observations=self._inputs.observations)
        return Build.from_inputs(replace(self._inputs, spec=ei.spec,
                                         observations=ei.observations))

    def why_we_differ(self) -> WhyWeDiffer | None:
        """This index beside its `counterpart`: every printed figure in both, and each
        economy's difference split exactly (Shapley) over the spec differences
        (`aidi.analysis.why_differ`). The split runs from the spec whose printed figures carry
        the reasons of its gap to the print (the source as published) to the other."""
        from aidi.analysis.why_differ import why_we_differ

        other = self.counterpart()
        if other is None:
            return None
        explains = any(p.gap for p in other.spec.published)
        return why_we_differ(other, self) if explains else why_we_differ(self, other)

    @validate_params({"other": [OTHER_BUILD]})
    def compare(self, other: Build) -> Comparison:
        """Score and rank differences by unit and node (`other` minus this build)."""
        a, b = self.relative(), other.relative()
        nodes = [n for n in a.columns if n in b.columns]
        units = [u for u in a.index if u in b.index]
        ranks_a, ranks_b = self._result.ranks, other._result.ranks
        rows = []
        for node in nodes:
            ra, rb = ranks_a[node].reindex(units), ranks_b[node].reindex(units)
            sa, sb = a[node].reindex(units), b[node].reindex(units)
            rows.append(pd.DataFrame({
                "iso3": units, "node": node, "score_a": sa.to_numpy(),
                "score_b": sb.to_numpy(), "score_change": (sb - sa).to_numpy(),
                "rank_a": ra.to_numpy(), "rank_b": rb.to_numpy(),
                "rank_change": (ra - rb).to_numpy()}))
        frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["iso3", "node", "score_a", "score_b", "score_change", "rank_a", "rank_b",
                     "rank_change"])
        return Comparison(frame)


# ---- helpers ---------------------------------------------------------------------------------------
def _restore(inputs: Inputs, result: BuildResult) -> Build:
    """Unpickle a Build (a worker process receives one)."""
    return Build._made(inputs, result)


def _resolve_units(spec: IndexSpec, inputs: Inputs) -> list[str]:
    """Units to build, every code checked against the data and the country table."""
    listed = list(inputs.unit_info.index) if inputs.unit_info is not None else ()
    return resolve_units(spec, inputs.observations, inputs.units, listed=listed)


def _resolve_scenario_units(sc: Scenario, b: Build) -> Scenario:
    from aidi.countries import resolve_unit

    changes = []
    for ch in sc.changes:
        units = tuple(resolve_unit(u, allowed=b.units) for u in ch.units)
        upd: dict[str, Any] = {"units": units}
        if ch.close_gap is not None:
            upd["close_gap"] = ch.close_gap.model_copy(
                update={"to": resolve_unit(ch.close_gap.to, allowed=b.units)})
        changes.append(ch.model_copy(update=upd))
    return sc.model_copy(update={"changes": tuple(changes)})
