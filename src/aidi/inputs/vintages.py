"""States of the data (vintages): the shipped snapshot, the local store's vintages and pins,
read without ever creating a store, and the date each was made."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.errors import InputError
from aidi.inputs.observations import without_models


def load_vintage(vintage: str | None = None, *, store: str | Path | None = None
                 ) -> tuple[pd.DataFrame, str, str]:
    """(observations without model series, vintage name, origin) for a state of the data.

    None: the shipped snapshot's values — through the local store when one exists (so a
    user's imports are there), else straight from the package, creating nothing. `snapshot`
    always reads the package; anything else (`latest`, `v3`, a pin) the store.
    """
    from aidi.store.duckdb_store import Store, store_path
    from aidi.store.editions import SNAPSHOT
    from aidi.store.snapshot import load_observations as load_snapshot

    if vintage is None and store_path(store).is_file():
        with Store.open(store) as s:
            obs, name, origin = s.observations(SNAPSHOT), SNAPSHOT, f"store:{SNAPSHOT}"
    elif vintage in (None, SNAPSHOT):
        obs, name, origin = load_snapshot(), SNAPSHOT, "snapshot"
    elif not store_path(store).is_file():
        # reading never creates a store: with none, the newest data is the shipped snapshot
        if str(vintage).strip().lower() != "latest":
            raise InputError(f"vintage {vintage!r} needs the local store, and there is none at "
                             f"{store_path(store)}; `aidi data refresh` or `aidi data import` "
                             "creates it (the shipped data is vintage 'snapshot')")
        obs, name, origin = load_snapshot(), SNAPSHOT, "snapshot (no local store)"
    else:
        with Store.open(store) as s:
            obs, name, origin = s.observations(vintage), str(vintage), f"store:{vintage}"
    return without_models(obs), name, origin


def edition_vintage(edition: str | None, store: str | Path | None = None) -> str | None:
    """The pin an edition was published on, when the local store has one."""
    from aidi.store.duckdb_store import Store, store_path

    if edition is None or not store_path(store).is_file():
        return None
    with Store.open(store) as s:
        return s.edition_vintage(edition)


def vintage_date(vintage: str, store: str | Path | None = None) -> str | None:
    """The date (YYYY-MM-DD) a state of the data was made: the shipped snapshot's build date,
    a store pin's creation, a vintage's, or the newest vintage's for `latest`."""
    from aidi.store.editions import SNAPSHOT

    if vintage == SNAPSHOT:
        from aidi.store.snapshot import load_manifest

        return load_manifest().built_at[:10]
    from aidi.store.duckdb_store import Store, store_path

    if not store_path(store).is_file():
        return None
    with Store.open(store) as s:
        pins = s.editions()
        hit = pins.loc[pins["edition"] == vintage, "created_at"]
        if len(hit) and str(hit.iloc[0]):
            return str(hit.iloc[0])[:10]
        v = s.vintages()
        named = v.loc[v["vintage_id"] == vintage, "created_at"]
        return str((named if len(named) else v["created_at"]).max())[:10] if len(v) else None


