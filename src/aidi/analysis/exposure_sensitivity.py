"""How the index moves when the industry-exposure table is swapped (issue: exposure model §5).

For each exposure table (the three Felten variants and optionally a user CSV) the exposure
model is re-run, its `model.exposure.*` series replace the default ones, and the index is
rebuilt with the same spec. The table lists, per economy and table, the index, its rank and
the change against the default table.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from aidi.engine.pipeline import build
from aidi.inputs import exposure_model as ex
from aidi.inputs.model_series import ExposureSettings, run_exposure
from aidi.specs.schema import IndexSpec, Indicator, Node
from aidi.specs.tree_walk import iter_nodes


def observations_with_exposure(observations: pd.DataFrame,
                               settings: ExposureSettings) -> pd.DataFrame:
    """The observations with `model.exposure.*` recomputed under `settings`."""
    base = observations[~observations["series"].str.startswith("model.exposure.")]
    series = ex.exposure_series(run_exposure(base, settings)).dropna(subset=["value"])
    return pd.concat([base, series], ignore_index=True)


def exposure_table_sensitivity(spec: IndexSpec, observations: pd.DataFrame,
                               variants: Sequence[ExposureSettings],
                               units: Sequence[str] | str | None = None) -> pd.DataFrame:
    """Index and rank per economy under each exposure table, and the change vs the first."""
    pillars = exposed_pillars(spec)
    frames = []
    for settings in variants:
        obs = observations_with_exposure(observations, settings)
        r = build(spec, obs, units=units)
        label = settings.user_table.name if settings.user_table else settings.variant
        frames.append(pd.DataFrame({
            "iso3": list(r.units), "exposure_table": label,
            "index": r.index.to_numpy(), "rank": r.ranks[r.tree.root].to_numpy(),
            **{p: r.scores[p].to_numpy() for p in pillars},
        }))
    out = pd.concat(frames, ignore_index=True)
    base = out[out.exposure_table == out.exposure_table.iloc[0]].set_index("iso3")
    out["index_change"] = out["index"] - out["iso3"].map(base["index"])
    out["rank_change"] = out["rank"] - out["iso3"].map(base["rank"])
    return out


def exposed_pillars(spec: IndexSpec) -> list[str]:
    """The pillars (children of the root) holding an indicator read from the exposure
    model's series (`aidi.analysis.exposure.SERIES_IDS`): the scores the exposure table can
    move besides the index."""
    model = set(ex.SERIES_IDS.values())
    return [p.id for p in spec.root.children if isinstance(p, Node)
            and any(i.series in model for i in iter_nodes(p) if isinstance(i, Indicator))]
