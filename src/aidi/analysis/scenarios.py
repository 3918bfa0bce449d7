"""What-if scenarios: declarative changes to indicator values, and their effect on the index.

The source's own example (section 四(三)): if the USA shared frontier compute, top talent and
high-quality data with an ally such as Japan, the ally's technology activity would approach the
frontier and its index would close in on China's. A scenario states exactly that as data —
which economies, which indicators (or every indicator under a node), and what happens to them —
and `run_scenario` rebuilds the index with those values (through `Build.with_changes`) and
sets it beside the nominal build.

Actions (applied to the indicator values after transform and year rule, before imputation):
- `close_gap: {to: USA, fraction: 0.5}` — x + fraction × (x_to − x) (1 = match the target);
- `multiply: 2.0`; `set: 123.0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aidi.engine.pipeline import BuildResult
from aidi.errors import InputError
from aidi.specs.schema import Indicator, Label, Node, iter_nodes

if TYPE_CHECKING:
    from aidi.api import Build


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CloseGap(_Frozen):
    to: str
    fraction: float = Field(1.0, ge=0, le=1)


class Change(_Frozen):
    units: tuple[str, ...] = Field(min_length=1)
    indicators: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    close_gap: CloseGap | None = None
    multiply: float | None = Field(None, ge=0)
    set: float | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Change:
        actions = [a for a in (self.close_gap, self.multiply, self.set) if a is not None]
        if len(actions) != 1:
            raise ValueError("give exactly one of close_gap, multiply, set")
        if not (self.indicators or self.nodes):
            raise ValueError("name the `indicators` or the `nodes` the change applies to")
        return self


class Scenario(_Frozen):
    id: str
    name: Label
    description: str = ""
    changes: tuple[Change, ...] = Field(min_length=1)


SHIPPED_SCENARIOS = {"us-japan-sharing": "us_japan_sharing.yaml"}


def load_scenario(source: str | Path) -> Scenario:
    """A shipped scenario by name or a YAML file; errors name the file and the field."""
    path = Path(source)
    if not path.is_file():
        if str(source) not in SHIPPED_SCENARIOS:
            raise InputError(f"{source}: no such scenario file (shipped: "
                             f"{sorted(SHIPPED_SCENARIOS)})")
        path = Path(str(resources.files("aidi.specs").joinpath(
            "scenarios", SHIPPED_SCENARIOS[str(source)])))
    try:
        from aidi.specs.loader import read_yaml

        return Scenario.model_validate(read_yaml(path, what="scenario"))
    except ValidationError as exc:
        from aidi.specs.loader import format_path

        lines = [f"{path}: {format_path(list(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise InputError("invalid scenario:\n  " + "\n  ".join(lines)) from None


def _indicators_under(result: BuildResult, change: Change) -> list[str]:
    ids = set(change.indicators)
    for node_id in change.nodes:
        try:
            node = result.spec.node(node_id)
        except KeyError:
            known = ", ".join(n.id for n in result.spec.aggregates())
            raise InputError(f"the scenario changes node {node_id!r}, which spec "
                             f"{result.spec.id!r} does not have (its nodes: {known}); write "
                             "a scenario for this spec's tree") from None
        ids |= {n.id for n in iter_nodes(node) if isinstance(n, Indicator)}
    known = set(result.data.columns)
    bad = sorted(ids - known)
    if bad:
        raise InputError(f"scenario names unknown indicators {bad}")
    return [i for i in result.data.columns if i in ids]


def scenario_override(result: BuildResult, scenario: Scenario) -> pd.DataFrame:
    """The indicator values the scenario sets (units × indicators, NaN = unchanged)."""
    data = result.data
    out = pd.DataFrame(np.nan, index=data.index, columns=data.columns)
    for change in scenario.changes:
        cols = _indicators_under(result, change)
        for unit in change.units:
            if unit not in data.index:
                raise InputError(f"scenario unit {unit!r} is not among the units built")
            base = out.loc[unit, cols].fillna(data.loc[unit, cols])
            if change.close_gap is not None:
                target = data.loc[change.close_gap.to, cols]
                new = base + change.close_gap.fraction * (target - base)
            elif change.multiply is not None:
                new = base * change.multiply
            else:
                new = pd.Series(change.set, index=cols)
            out.loc[unit, cols] = new.to_numpy(dtype=float)
    return out


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    nominal: BuildResult
    changed: BuildResult
    comparison: pd.DataFrame  # iso3, measure, nominal, scenario, change, nominal_rank, scenario_rank


def run_scenario(nominal: Build, scenario: Scenario) -> ScenarioResult:
    """The scenario rebuilt through the build's own inputs (`Build.with_changes`: same spec,
    data and economies, the changed indicator values), set beside the nominal build."""
    return compare_scenario(nominal.result, nominal.with_changes(scenario).result, scenario)


def compare_scenario(nominal: BuildResult, changed: BuildResult,
                     scenario: Scenario) -> ScenarioResult:
    """The nominal and the changed build side by side, for the index and the pillars."""
    measures = [nominal.tree.root] + [c.id for c in nominal.spec.root.children
                                      if isinstance(c, Node)]
    rel_a, rel_b = nominal.relative_scores(), changed.relative_scores()
    rows = []
    for u in nominal.units:
        for m in measures:
            rows.append({"iso3": u, "measure": m, "nominal": rel_a.loc[u, m],
                         "scenario": rel_b.loc[u, m], "change": rel_b.loc[u, m] - rel_a.loc[u, m],
                         "nominal_rank": nominal.ranks.loc[u, m],
                         "scenario_rank": changed.ranks.loc[u, m]})
    return ScenarioResult(scenario, nominal, changed, pd.DataFrame(rows))
