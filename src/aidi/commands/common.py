"""What every command needs: the spec, the observations (edition or snapshot) and the units."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from aidi.specs.loader import load_spec
from aidi.specs.schema import IndexSpec

DEFAULT_EDITION = "2024"


def load_observations(edition: str | None = None) -> pd.DataFrame:
    """Tidy observations for an edition.

    `None` or "2024": the shipped snapshot's values. Read through the local store when one
    already exists (so a user's imported series are there too; the pinned edition's values are
    identical to the snapshot's), otherwise straight from the snapshot — a default build never
    creates anything outside its output folder. "snapshot" always reads the snapshot. Any other
    edition ("latest", a vintage id) comes from the local DuckDB store, seeded on first use.
    """
    from aidi.store.duckdb_store import Store, store_path

    if edition in (None, DEFAULT_EDITION) and store_path().is_file():
        with Store.open() as store:
            obs = store.observations(DEFAULT_EDITION)
    elif edition in (None, DEFAULT_EDITION, "snapshot"):
        from aidi.store.snapshot import load_observations as load_snapshot

        obs = load_snapshot()
    else:
        with Store.open() as store:
            obs = store.observations(edition)
    return with_model_series(obs)


def with_model_series(observations: pd.DataFrame) -> pd.DataFrame:
    """Add the series computed by aidi's own models (the AI-exposure model) to the data.

    Model outputs are series like any other (`model.exposure.scale`, ...), with a source that
    names the model, so specs read them the same way and lineage can trace them.
    """
    if observations["series"].str.startswith("model.").any():
        return observations
    from aidi.analysis.exposure_inputs import exposure_observations

    extra = exposure_observations(observations)
    if extra is None or extra.empty:
        return observations
    return pd.concat([observations, extra], ignore_index=True)


def load_inputs(spec: str | IndexSpec | None = None, edition: str | None = None,
                countries: Sequence[str] | str | None = None
                ) -> tuple[IndexSpec, pd.DataFrame, Sequence[str] | str | None]:
    """(spec, observations, units) with the defaults of `aidi build`."""
    spec_obj = spec if isinstance(spec, IndexSpec) else load_spec(spec)
    return spec_obj, load_observations(edition), countries
