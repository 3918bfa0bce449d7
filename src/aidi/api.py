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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult, resolve_units
from aidi.engine.pipeline import build as run_pipeline
from aidi.errors import AidiError, InputError, UnknownUnitError, UsageError
from aidi.progress import BUILDING, LOADING, Progress, report
from aidi.sources.coinr import CoinInputs
from aidi.sources.coinr import read_coin as _read_coin
from aidi.specs.loader import DEFAULT_SPEC, is_coin_steps, resolve_spec_path
from aidi.specs.loader import load_spec as load_spec_file
from aidi.specs.schema import IndexSpec

if TYPE_CHECKING:
    from aidi.analysis.attribution import Attribution, Change
    from aidi.analysis.audit import AuditResult
    from aidi.analysis.gap import Gap
    from aidi.analysis.lineage import Lineage
    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.analysis.scenarios import Scenario
    from aidi.analysis.sensitivity import SensitivityResult
    from aidi.analysis.uncertainty import UncertaintyResult
    from aidi.analysis.why_differ import WhyWeDiffer

__all__ = ["Build", "Comparison", "Inputs", "build", "read_coin", "load_observations"]

#: The edition whose data the shipped snapshot pins.
DEFAULT_EDITION = "2024"
#: Data availability asked of each economy when building beyond the spec's own list
#: (`countries="all"`): an economy with most indicators missing would be scored on a handful.
WIDE_BUILD_MIN_AVAILABILITY = 0.6


@dataclass(frozen=True)
class Inputs:
    """What a build was made from: the spec, the tidy observations, the unit attributes
    (groups, for COINr builds), the units asked for, and where the data came from."""

    spec: IndexSpec
    observations: pd.DataFrame
    unit_info: pd.DataFrame | None = None
    units: tuple[str, ...] | str | None = None
    edition: str | None = None
    origin: str = "snapshot"
    #: "backcast on the <date> snapshot" when the edition is computed from a later state of
    #: the data than the one it was published on (`aidi.analysis.timeline.backcast`)
    backcast: str | None = None


def read_coin(idata: str | Path | None, imeta: str | Path | None,
              steps: str | Path | Mapping[str, Any] | None = None) -> CoinInputs:
    """Read COINr's `iData`/`iMeta` tables (and optionally a steps file) for `aidi.build(data=…)`."""
    return _read_coin(None if idata is None else Path(idata),
                      None if imeta is None else Path(imeta), steps)


def load_spec(source: str | Path | None = None) -> IndexSpec:
    """A shipped spec by name (`aidi-2024`, `asem`) or a YAML file by path; a COINr steps file
    (`kind: coinr-steps`) gets its tree from the iMeta table it names."""
    source = DEFAULT_SPEC if source is None else source
    if is_coin_steps(source):
        return _read_coin(None, None, resolve_spec_path(source)).spec
    return load_spec_file(source)


def with_model_series(observations: pd.DataFrame) -> pd.DataFrame:
    """Add the series computed by aidi's own models (the AI-exposure model) to the data.

    Model outputs are series like any other (`model.exposure.scale`, ...), with a source that
    names the model, so specs read them the same way and lineage can trace them.
    """
    from aidi.analysis.exposure_inputs import exposure_observations

    if observations["series"].str.startswith("model.").any():
        return observations
    extra = exposure_observations(observations)
    if extra is None or extra.empty:
        return observations
    return pd.concat([observations, extra], ignore_index=True)


def load_observations(edition: str | None = None) -> tuple[pd.DataFrame, str]:
    """(tidy observations with the model series, origin) for an edition.

    `None` or "2024": the shipped snapshot's values, read through the local store when one
    already exists (so a user's imported series are there too; the pinned edition's values
    are identical to the snapshot's), otherwise straight from the snapshot — a default build
    never creates anything outside its output folder. "snapshot" always reads the snapshot.
    Any other edition ("latest", a vintage id) comes from the local store; reading never
    creates one, so with no store "latest" is the snapshot and a vintage id is an error that
    says how to create it (`aidi.analysis.timeline.load_vintage`).
    """
    from aidi.store.duckdb_store import Store, store_path
    from aidi.store.snapshot import load_observations as load_snapshot

    if edition in (None, DEFAULT_EDITION) and store_path().is_file():
        with Store.open() as store:
            obs, origin = store.observations(DEFAULT_EDITION), f"store:{DEFAULT_EDITION}"
    elif edition in (None, DEFAULT_EDITION, "snapshot"):
        obs, origin = load_snapshot(), "snapshot"
    else:
        from aidi.analysis.timeline import load_vintage

        obs, _, origin = load_vintage(edition)
    return with_model_series(obs), origin


def load_inputs(spec: str | Path | IndexSpec | None = None, *, edition: str | None = None,
                countries: Sequence[str] | str | None = None,
                data: pd.DataFrame | CoinInputs | None = None,
                vintage: str | None = None) -> Inputs:
    """The inputs `aidi.build` and every command use (see `build`)."""
    spec = _check_spec(spec)
    countries = _check_countries(countries)
    if isinstance(data, CoinInputs):
        spec_obj = data.spec if spec is None else _spec(spec, data)
        return Inputs(spec_obj, data.observations, data.unit_info, _units(countries), edition,
                      "coin")
    if spec is not None and not isinstance(spec, IndexSpec) and is_coin_steps(spec):
        coin = _read_coin(None, None, resolve_spec_path(spec))
        obs = coin.observations if data is None else _tidy(data)
        return Inputs(coin.spec, obs, coin.unit_info, _units(countries), edition,
                      f"coin:{resolve_spec_path(spec).name}")
    spec_obj = spec if isinstance(spec, IndexSpec) else load_spec(spec or DEFAULT_SPEC)
    if data is None:  # the edition's spec and data (aidi.analysis.timeline.edition_inputs)
        from aidi.analysis.timeline import edition_inputs

        ei = edition_inputs(spec_obj, edition, vintage, countries=countries)
        return Inputs(ei.spec, ei.observations, None, _units(countries), edition, ei.origin,
                      ei.backcast)
    obs, origin = with_model_series(_tidy(data)), "user data"
    return Inputs(spec_obj, obs, None, _units(countries), edition, origin)


def _spec(spec: str | Path | IndexSpec, coin: CoinInputs) -> IndexSpec:
    """The spec for COINr data: an explicit spec object or file, or the tables' own tree (a
    steps file goes to `aidi.read_coin(idata, imeta, steps)` instead)."""
    if isinstance(spec, IndexSpec):
        return spec
    if is_coin_steps(spec):
        raise InputError(f"{spec}: a COINr steps file is read with the tables — use "
                         "aidi.read_coin(idata, imeta, steps) and pass that as `data`")
    return load_spec(spec)


def _check_spec(spec: object) -> str | Path | IndexSpec | None:
    """`spec` as `load_inputs` takes it: a name, a path, an `IndexSpec`, or a mapping of spec
    data (validated as a YAML spec would be)."""
    if spec is None or isinstance(spec, str | Path | IndexSpec):
        return spec
    if isinstance(spec, Mapping):
        from aidi.specs.loader import spec_from_dict

        return spec_from_dict(dict(spec), origin="<spec given as a dict>")
    raise UsageError(f"spec must be a shipped spec name ('aidi-2024', 'asem'), a YAML path, "
                     f"an IndexSpec or a dict of spec data, got {type(spec).__name__} "
                     f"{spec!r}")


def _check_countries(countries: object, name: str = "countries"
                     ) -> Sequence[str] | str | None:
    """A group name, `all`, a comma-separated string, or a non-empty list of codes/names."""
    if countries is None or isinstance(countries, str):
        return countries
    if not isinstance(countries, Sequence | set | frozenset) or isinstance(countries, bytes):
        raise UsageError(f"{name} must be a group name ('TARGET_20', 'G20'), 'all', or a "
                         f"list of codes or names such as ['USA', 'CHN'], got "
                         f"{type(countries).__name__} {countries!r}")
    items = list(countries)
    bad = [c for c in items if not isinstance(c, str)]
    if bad:
        raise UsageError(f"{name}: every entry must be a code or name (text), got {bad[0]!r}")
    if not items:
        raise UsageError(f"{name} is an empty list: give at least one code (['USA', "
                         "'CHN']), a group name ('TARGET_20', 'G20') or 'all'")
    return items


def _check_fraction(name: str, value: object) -> float | None:
    """None, or a number in [0, 1]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer |
                                                 np.floating) or not 0 <= value <= 1:
        raise UsageError(f"{name} must be a number from 0 to 1 (a share, e.g. 0.5), got "
                         f"{value!r}")
    return float(value)


def _check_seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise UsageError(f"seed must be a whole number >= 0 (the same seed gives the same "
                         f"samples), got {value!r}")
    return int(value)


def _check_build(name: str, value: object) -> Build:
    if not isinstance(value, Build):
        raise UsageError(f"{name} must be another aidi.Build (e.g. aidi.build(edition='2023'))"
                         f", got {type(value).__name__} {value!r}")
    return value


def _units(countries: Sequence[str] | str | None) -> tuple[str, ...] | str | None:
    if countries is None or isinstance(countries, str):
        return countries
    return tuple(countries)


TIDY_COLUMNS = ("iso3", "year", "series", "value")


def _tidy(data: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError("data must be a tidy DataFrame (iso3, year, series, value, …) or the "
                         "result of aidi.read_coin(idata, imeta)")
    missing = [c for c in TIDY_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(f"data lacks the column(s) {missing}; tidy observations have "
                         f"{list(TIDY_COLUMNS)} plus unit, source, file")
    out = data.copy()
    for col, default in (("unit", ""), ("source", "user data"), ("file", "")):
        if col not in out.columns:
            out[col] = default
    return out


def build(spec: str | Path | IndexSpec | None = None, *, edition: str | None = None,
          countries: Sequence[str] | str | None = None,
          data: pd.DataFrame | CoinInputs | None = None,
          min_availability: float | None = None, vintage: str | None = None,
          progress: Progress | None = None) -> Build:
    """Build an index and return the immutable `Build`.

    - `spec`: a shipped name (`"aidi-2024"`, `"asem"`), a YAML path, or an `IndexSpec`;
      default: the AIDI 2024 spec (or the spec that comes with a COINr `data`).
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
    inputs = load_inputs(spec, edition=edition, countries=countries, data=data,
                         vintage=vintage)
    report(progress, BUILDING)
    return Build.from_inputs(inputs, min_availability=min_availability)


@dataclass(frozen=True)
class Comparison:
    """Two builds side by side: per unit and node, scores (relative to the reference) and
    ranks of each, and their differences. `frame` columns: iso3, node, score_a, score_b,
    score_change, rank_a, rank_b, rank_change (positive = moved up)."""

    frame: pd.DataFrame

    def largest(self, node: str | None = None, k: int = 10) -> pd.DataFrame:
        f = self.frame if node is None else self.frame[self.frame["node"] == node]
        return f.reindex(f["score_change"].abs().sort_values(ascending=False).index).head(k)


@dataclass(frozen=True)
class Build:
    """One build: its inputs, every stage (`result`), and methods for what to ask of it.

    Immutable: `with_weights`, `with_changes` and `with_spec` return new builds from the same
    inputs, and the analyses return result objects of plain DataFrames.
    """

    inputs: Inputs
    result: BuildResult
    origin: str = field(default="")

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_inputs(cls, inputs: Inputs, *, min_availability: float | None = None,
                    data_override: pd.DataFrame | None = None) -> Build:
        spec = inputs.spec
        min_availability = _check_fraction("min_availability", min_availability)
        units = _resolve_units(spec, inputs)
        if min_availability is None and isinstance(inputs.units, str) and \
                inputs.units.strip().lower() == "all":
            min_availability = WIDE_BUILD_MIN_AVAILABILITY
        if min_availability is not None:
            if not 0 <= min_availability <= 1:
                raise InputError(f"min_availability must be in [0, 1], got {min_availability}")
            spec = spec.model_copy(update={"screen": spec.screen.model_copy(
                update={"min_availability": float(min_availability)})})
            inputs = _replace(inputs, spec=spec)
        result = run_pipeline(spec, inputs.observations, units=units,
                              unit_info=inputs.unit_info, data_override=data_override)
        return cls(inputs, result, inputs.origin)

    def _rebuild(self, spec: IndexSpec, data_override: pd.DataFrame | None = None) -> Build:
        inputs = _replace(self.inputs, spec=spec, units=self.units)
        result = run_pipeline(spec, inputs.observations, units=list(self.candidate_units),
                              unit_info=inputs.unit_info, data_override=data_override)
        return Build(inputs, result, self.origin)

    # ---- what was built -----------------------------------------------------------------------
    @property
    def spec(self) -> IndexSpec:
        return self.result.spec

    @property
    def observations(self) -> pd.DataFrame:
        return self.inputs.observations

    @property
    def units(self) -> tuple[str, ...]:
        return self.result.units

    @property
    def candidate_units(self) -> tuple[str, ...]:
        """Every unit asked for that passed the raw-data screen (what a rebuild starts from)."""
        cand = self.result.candidates
        return tuple(cand.index) if cand is not None else self.units

    @property
    def scores(self) -> pd.DataFrame:
        """Every aggregate node's score per unit (pillars and index relative to the reference
        where the spec standardises them)."""
        return self.result.scores

    @property
    def ranks(self) -> pd.DataFrame:
        return self.result.ranks

    @property
    def index(self) -> pd.Series:
        return self.result.index

    @property
    def contributions(self) -> pd.DataFrame:
        return self.result.contributions

    @property
    def log(self) -> pd.DataFrame:
        """What each step did, one record per action (step, unit, indicator, code, method,
        before, after, detail)."""
        return self.result.log_frame()

    def relative(self) -> pd.DataFrame:
        """Every aggregate node divided by the reference unit's value (reference = 1)."""
        return self.result.relative_scores()

    @property
    def provenance(self) -> pd.DataFrame:
        """One row per (unit, indicator): series, year_from, year_to, year label, source, file,
        denominator series/source/file, transform, raw value, value used, imputed, imputation
        method, treated and normalised value."""
        from aidi.analysis.lineage import cell_provenance

        return cell_provenance(self.result, self.observations)

    # ---- questions ------------------------------------------------------------------------------
    def explain(self, unit: str, node: str | None = None) -> Lineage:
        """How `unit`'s score at `node` (default: the index) came to be, down to raw values."""
        from aidi.analysis.lineage import explain

        code = self.resolve_unit(unit)
        if node is not None:
            self.resolve_node(node)
        return explain(self.result, code, node, observations=self.observations)

    def resolve_unit(self, unit: str) -> str:
        """A unit code of this build from a code or name (case-insensitive), or a clear error."""
        from aidi.countries import resolve_unit

        if not isinstance(unit, str):
            raise UsageError(f"unit must be a code or name such as 'CHN' or 'China', got "
                             f"{type(unit).__name__} {unit!r}")
        try:
            code = resolve_unit(unit, allowed=self.units + self.result.screened_out)
        except UnknownUnitError:
            raise
        if code in self.result.screened_out:
            raise UnknownUnitError(f"{code} was screened out of this build for lack of data")
        return code

    def resolve_node(self, node: str) -> str:
        if not isinstance(node, str):
            raise UsageError(f"node must be a node id of spec {self.spec.id} (e.g. "
                             f"{self.spec.root.id!r}), got {type(node).__name__} {node!r}")
        ids = [n.id for n in self.spec.iter_nodes()]
        if node not in ids:
            import difflib

            close = difflib.get_close_matches(node, ids, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f"; nodes: {', '.join(ids)}"
            raise InputError(f"no node {node!r} in spec {self.spec.id}{hint}")
        return node

    def with_weights(self, weights: Mapping[str, float]) -> Build:
        """The same build with some nodes' weights (within their parent) changed."""
        from aidi.specs.edit import with_weights

        if not isinstance(weights, Mapping):
            raise UsageError(f"weights must map node ids to weights, e.g. {{'data': 0.5}}, "
                             f"got {type(weights).__name__} {weights!r}")
        for node_id in weights:
            self.resolve_node(node_id)
        return self._rebuild(with_weights(self.spec, weights))

    def with_units(self, units: Sequence[str] | str) -> Build:
        """The same spec and data built for other units (codes, names or a group)."""
        inputs = _replace(self.inputs, units=_units(_check_countries(units, "units")))
        return Build.from_inputs(inputs)

    def with_spec(self, spec: IndexSpec) -> Build:
        """The same inputs built with another spec (e.g. `spec.model_copy(update=...)`)."""
        return self._rebuild(spec)

    def with_changes(self, scenario: Scenario | str | Path) -> Build:
        """The build with a scenario's changes to indicator values (see `aidi.analysis.scenarios`)."""
        from aidi.analysis.scenarios import Scenario, load_scenario, scenario_override

        if not isinstance(scenario, Scenario | str | Path):
            raise UsageError(f"scenario must be a Scenario, a shipped scenario name or a "
                             f"YAML path, got {type(scenario).__name__} {scenario!r}")
        sc = scenario if not isinstance(scenario, str | Path) else load_scenario(scenario)
        sc = _resolve_scenario_units(sc, self)
        return self._rebuild(self.spec, scenario_override(self.result, sc))

    def uncertainty(self, n_samples: int = 1000, seed: int = 0,
                    config: UncertaintyConfig | None = None, backend: str = "numpy",
                    **kwargs: Any) -> UncertaintyResult:
        """Monte-Carlo over the open choices (see `aidi.analysis.uncertainty`)."""
        from aidi.analysis.robustness.design import build_design
        from aidi.analysis.uncertainty import run_uncertainty

        _positive("n_samples", n_samples)
        seed = _check_seed(seed)
        design = kwargs.pop("design", None) or build_design(self.result, config)
        if kwargs.pop("save_samples", False):  # writing every sample needs them kept
            kwargs["keep_samples"] = True
        # the run plans its memory first and refuses what does not fit (aidi.analysis.budget)
        return run_uncertainty(self.result, n_samples=n_samples, seed=seed, config=config,
                               backend=backend, design=design, **kwargs)

    def sensitivity(self, n_base: int = 1024, seed: int = 0,
                    config: UncertaintyConfig | None = None, **kwargs: Any) -> SensitivityResult:
        """Sobol indices of the open choices (see `aidi.analysis.sensitivity`)."""
        from aidi.analysis.robustness.design import build_design
        from aidi.analysis.sensitivity import run_sensitivity

        _positive("n_base", n_base)
        seed = _check_seed(seed)
        design = kwargs.pop("design", None) or build_design(self.result, config)
        return run_sensitivity(self.result, n_base=n_base, seed=seed, config=config,
                               design=design, **kwargs)

    def audit(self, **kwargs: Any) -> AuditResult:
        """Statistical audit: correlations, Cronbach's alpha, PCA, outlier flags."""
        from aidi.analysis.audit import audit

        return audit(self.result, **kwargs)

    def gap(self, a: str, b: str, node: str | None = None) -> Gap:
        """The smallest improvement of A's indicators under `node` (default: all) that puts
        A's index strictly above B's — a factor on a four-significant-digit grid (see
        `aidi.analysis.gap`); `.scenario` applies it with `with_changes`."""
        from aidi.analysis.gap import gap

        return gap(self.result, self.resolve_unit(a), self.resolve_unit(b),
                   self.resolve_node(node) if node else None)

    def diff(self, other: Build, *, label_a: str = "A", label_b: str = "B",
             changes: Sequence[Change] | None = None) -> Attribution:
        """Why every score moved from this build to `other`: the change split exactly
        (Owen/Shapley) into data (by dimension), methodology (by event: indicators entering or
        leaving, stand-ins, series switches, window and method changes) and weights; `changes`
        regroups them (`aidi.analysis.attribution.merge_changes`)."""
        from aidi.analysis.attribution import attribute

        _check_build("other", other)
        return attribute(self, other, label_a=label_a, label_b=label_b, changes=changes)

    def intensity(self) -> Build | None:
        """The spec's intensity variant (per person or per unit of output,
        `aidi.specs.intensity`) on the same data and economies; None when the spec declares
        no intensity form."""
        from aidi.specs.intensity import has_intensity, intensity_spec

        if not has_intensity(self.spec):
            return None
        return Build.from_inputs(_replace(self.inputs, spec=intensity_spec(self.inputs.spec)))

    def counterpart(self) -> Build | None:
        """The spec's `counterpart` (e.g. the source's index as published beside the
        validity-driven one) built on the same data, economies and edition; None without one."""
        name = self.spec.counterpart
        if not name:
            return None
        spec = load_spec(name)
        edition = self.inputs.edition
        if edition is None or str(edition).strip() in ("", DEFAULT_EDITION):
            return Build.from_inputs(_replace(self.inputs, spec=spec))
        from aidi.analysis.timeline import edition_inputs

        ei = edition_inputs(spec, edition, countries=self.inputs.units,
                            observations=self.observations)
        return Build.from_inputs(_replace(self.inputs, spec=ei.spec, observations=ei.observations))

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

    def compare(self, other: Build) -> Comparison:
        """Score and rank differences by unit and node (`other` minus this build)."""
        _check_build("other", other)
        a, b = self.relative(), other.relative()
        nodes = [n for n in a.columns if n in b.columns]
        units = [u for u in a.index if u in b.index]
        rows = []
        for node in nodes:
            ra, rb = self.ranks[node].reindex(units), other.ranks[node].reindex(units)
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
def _replace(inputs: Inputs, **changes: Any) -> Inputs:
    from dataclasses import replace

    return replace(inputs, **changes)


def _positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{name} must be a whole number >= 1, got {value!r}")


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


def is_aidi_error(exc: BaseException) -> bool:
    return isinstance(exc, AidiError)
