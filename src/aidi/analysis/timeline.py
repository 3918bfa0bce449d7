"""The index over time: one build per yearly edition, from one spec, on one pinned vintage.

`edition_inputs(spec, edition, vintage)` is what any build of an edition reads: the spec with
its year rules moved to the edition (`aidi.specs.editions`), the observations of the vintage
(a state of the data: the shipped snapshot by default, or the pin the edition was published
on), and the model series (AI exposure) computed on the edition's own industry-structure
window. `timeline(...)` builds every edition from the first one whose pillars the reference can
be scored on, and tabulates each economy's scores relative to the reference, rank, coverage and
fallback flags per edition. Editions are pinned: with no `vintage`, every edition reads the
shipped snapshot (or its `edition-Y` pin in the store), so a refresh never moves a past edition.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.errors import InputError
from aidi.specs.editions import (
    LATEST,
    EditionNotes,
    base_year,
    edition_spec,
    is_base,
    latest_complete_year,
    parse_edition,
    spec_units,
)
from aidi.specs.schema import IndexSpec

if TYPE_CHECKING:
    from aidi.analysis.comparable import Comparable
    from aidi.api import Build

#: Series the exposure model's industry-structure window needs (UN AMA, WDI GDP at PPP).
EXPOSURE_INPUTS = ("un_ama.va.TVA", "wdi.GDP.PPP")
#: The earliest edition the timeline looks for.
EARLIEST = 2000


@dataclass(frozen=True)
class EditionInputs:
    """What an edition's build reads, and how it was made."""

    spec: IndexSpec
    observations: pd.DataFrame
    edition: str | None
    vintage: str
    origin: str
    notes: EditionNotes | None
    exposure_years: tuple[int, int] | None
    backcast: str | None = None   # "backcast on the 2026-12-04 snapshot" (see `backcast`)


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
    return _without_models(obs), name, origin


def _without_models(obs: pd.DataFrame) -> pd.DataFrame:
    model = obs["series"].astype(str).str.startswith("model.")
    return obs[~model].reset_index(drop=True) if model.any() else obs


def edition_vintage(edition: str | None, store: str | Path | None = None) -> str | None:
    """The pin an edition was published on, when the local store has one."""
    from aidi.store.duckdb_store import Store, store_path

    if edition is None or not store_path(store).is_file():
        return None
    with Store.open(store) as s:
        return s.edition_vintage(edition)


def exposure_window(spec: IndexSpec, edition: str | None, observations: pd.DataFrame,
                    units: Sequence[str] | str | None = None) -> tuple[int, int] | None:
    """The exposure model's industry-structure window for an edition (None = its default).

    The model's default window (2021–2023) is written for the base edition and moves with it;
    `latest` ends it at the latest complete year of value added and GDP at PPP.
    """
    from aidi.analysis.exposure_inputs import DEFAULT_YEARS

    if is_base(spec, edition):
        return None
    if edition == LATEST:
        end = latest_complete_year(observations, list(EXPOSURE_INPUTS), spec_units(spec, units),
                                   spec.editions.complete_share)
        if end is None:
            return None
        span = DEFAULT_YEARS[1] - DEFAULT_YEARS[0]
        return (end - span, end)
    delta = int(str(edition)) - base_year(spec)
    return (DEFAULT_YEARS[0] + delta, DEFAULT_YEARS[1] + delta)


def with_model_series(observations: pd.DataFrame,
                      years: tuple[int, int] | None = None) -> pd.DataFrame:
    """The observations with the exposure model's series for the window `years`."""
    from aidi.analysis.exposure_inputs import ExposureSettings, exposure_observations

    settings = ExposureSettings() if years is None else ExposureSettings(years=years)
    try:
        extra = exposure_observations(observations, settings)
    except ValueError:  # no value added in the window: the model series are simply absent
        extra = None
    if extra is None or extra.empty:
        return observations
    return pd.concat([observations, extra], ignore_index=True)


def edition_inputs(spec: IndexSpec, edition: str | int | None = None,
                   vintage: str | None = None, *, countries: Sequence[str] | str | None = None,
                   observations: pd.DataFrame | None = None,
                   store: str | Path | None = None) -> EditionInputs:
    """The spec and data of `edition` (a year, `latest`, None = the spec as written) on
    `vintage` (None: the edition's pin if the store has one, else the shipped snapshot).

    `observations` replaces reading the vintage: a user's data frame (no `vintage`), or the
    vintage `vintage` already read (a timeline reads it once for every edition); model series
    in them are recomputed for the edition's window.
    """
    edition, vintage = _legacy(edition, vintage)
    label = parse_edition(edition)
    if observations is not None:  # a vintage already read (a timeline), or the user's data
        base = _without_models(observations)
        name, origin = (vintage, vintage) if vintage is not None else ("given", "user data")
    else:
        pinned = vintage if vintage is not None else edition_vintage(label, store)
        base, name, origin = load_vintage(pinned, store=store)
    said = backcast(spec, label, name, store) if name != "given" else None
    if label is None:
        return EditionInputs(spec, with_model_series(base), None, name,
                             _with(origin, said), None, None, said)
    window = exposure_window(spec, label, base, countries)
    obs = with_model_series(base, window)
    spec_e, notes = edition_spec(spec, label, obs, units=countries)
    return EditionInputs(spec_e, obs, label, name, _with(f"{origin} · edition {label}", said),
                         notes, window, said)


def _with(origin: str, said: str | None) -> str:
    return f"{origin} · {said}" if said else origin


def backcast(spec: IndexSpec, edition: str | None, vintage: str,
             store: str | Path | None = None) -> str | None:
    """"backcast on the <date> snapshot" when an edition is computed from a state of the data
    that is not the one it was published on: every year edition except the one the vintage
    pins (the shipped snapshot pins the base edition; a store pin `edition-Y` pins Y) — its
    values revised since, labels applied with hindsight. `latest` is never a backcast."""
    from aidi.store.editions import DEFAULT_EDITION, EDITION_PIN, SNAPSHOT

    if edition == LATEST:
        return None
    year = int(edition) if edition is not None else _base_or_none(spec)
    own = DEFAULT_EDITION if vintage == SNAPSHOT else (
        vintage.removeprefix(EDITION_PIN) if vintage.startswith(EDITION_PIN) else None)
    if year is None or (own is not None and str(year) == own):
        return None
    date = vintage_date(vintage, store)
    what = "snapshot" if vintage == SNAPSHOT else f"vintage {vintage}"
    return f"backcast on the {date} {what}" if date else f"backcast on the {what}"


def _base_or_none(spec: IndexSpec) -> int | None:
    from aidi.errors import UsageError

    try:
        return base_year(spec)
    except UsageError:
        return None


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


def _legacy(edition: str | int | None, vintage: str | None
            ) -> tuple[str | int | None, str | None]:
    """`edition="snapshot"` / `"v3"` named a state of the data before editions were years:
    still read, as that vintage of the spec as written, with a FutureWarning."""
    text = str(edition).strip().lower() if edition is not None else ""
    if vintage is None and (text == "snapshot" or re.match(r"^v\d+$", text)):
        warnings.warn(f"edition={edition!r} names a state of the data: use "
                      f"vintage={edition!r} (--vintage); an edition is the index's year",
                      FutureWarning, stacklevel=3)
        return None, text
    return edition, vintage


def position(edition: str, years: Sequence[int]) -> float:
    """x position of an edition on a time axis: its year; `latest` one after the last year."""
    if edition == LATEST:
        return float(max(years) + 1) if years else 0.0
    return float(edition)


def _scored(b: Build) -> bool:
    ref = b.spec.reference
    return ref is None or (ref in b.index.index and bool(np.isfinite(b.index.get(ref))))


def cell_status(b: Build) -> pd.DataFrame:
    """Per (unit, indicator): `real`, `carried` (latest earlier year), `imputed` or
    `missing` — what each cell of the build rests on."""
    r = b.result
    raw = r.data.reindex(index=list(r.units))
    status = pd.DataFrame("real", index=raw.index, columns=raw.columns)
    log = b.log
    carried = log[log["code"] == "carried_forward"]
    status[r.imputed_mask.reindex_like(status).fillna(False).astype(bool)] = "imputed"
    for u, ind in zip(carried["unit"], carried["indicator"], strict=True):
        if u in status.index and ind in status.columns:
            status.loc[u, ind] = "carried"
    status[r.imputed.reindex_like(status).isna()] = "missing"
    return status


def accounting(b: Build) -> pd.DataFrame:
    """Every economy asked for in one build: `ranked`, `unranked` (a node below the spec's
    coverage rule — the reason names the nodes and cells) or `screened out`, with the reason."""
    from aidi.analysis.flags import unranked

    why = dict(unranked(b.result).itertuples(index=False, name=None))
    rows = [{"iso3": u, "status": "unranked" if u in why else "ranked", "reason": why.get(u, "")}
            for u in b.units]
    rows += [{"iso3": u, "status": "screened out", "reason": why.get(u, "")}
             for u in b.result.screened_out]
    return pd.DataFrame(rows, columns=["iso3", "status", "reason"])


def _timeline_frame(editions: list[str], builds: Mapping[str, Build],
                    notes: Mapping[str, EditionNotes], years: list[int],
                    vintage: str) -> pd.DataFrame:
    from aidi.countries import name_en, name_zh

    rows = []
    for e in editions:
        b = builds[e]
        rel = b.relative()
        ind_rel = _indicators_relative(b)
        status = cell_status(b)
        account = accounting(b).set_index("iso3")
        stand_in = [i.indicator for i in notes[e].indicators if i.fallback == "stand-in"]
        n_ind = status.shape[1]
        pillars = [c.id for c in b.spec.root.children]
        for u in b.units:
            st = status.loc[u]
            flags = [f"{k}={'|'.join(st.index[st == k])}" for k in ("carried", "imputed",
                                                                     "missing") if (st == k).any()]
            if stand_in:
                flags.insert(0, f"stand-in={'|'.join(stand_in)}")
            row = {"iso3": u, "name_en": _safe(name_en, u), "name_zh": _safe(name_zh, u),
                   "edition": e, "position": position(e, years), "window": _window(b),
                   "vintage": vintage, "index": rel.loc[u, b.result.tree.root],
                   "rank": b.ranks.loc[u, b.result.tree.root],
                   **{f"rank_{p}": b.ranks.loc[u, p] for p in pillars if p in b.ranks},
                   "coverage": float((st == "real").sum()) / n_ind if n_ind else np.nan,
                   "n_carried": int((st == "carried").sum()),
                   "n_imputed": int((st == "imputed").sum()),
                   "n_missing": int((st == "missing").sum()),
                   "n_stand_in": len(stand_in), "flags": "; ".join(flags),
                   "status": account.loc[u, "status"], "reason": account.loc[u, "reason"],
                   "backcast": b.inputs.backcast or ""}
            for node in _tree_order(b.spec):
                if node in rel.columns and node != b.result.tree.root:
                    row[node] = rel.loc[u, node]
                elif node in ind_rel.columns:
                    row[node] = ind_rel.loc[u, node]
            rows.append(row)
    return pd.DataFrame(rows)


def with_comparable(frame: pd.DataFrame, comp: Comparable, nodes: Sequence[str]
                    ) -> pd.DataFrame:
    """`frame` with, per economy × edition, the chained and fixed-set values of `nodes`
    (`<node>_chained`, `<node>_fixed`; the published value stays in `<node>`), and the break
    into the edition: `break` (methodology or weights changed since the previous edition),
    `break_events`, and the previous edition's change split into `data_change`,
    `methodology_change`, `weights_change` (index)."""
    out = frame.copy()
    for name, series in (("chained", comp.chained), ("fixed", comp.fixed)):
        wide = series[series["node"].isin(list(nodes))].pivot_table(
            index=["iso3", "edition"], columns="node", values="value", dropna=False)
        wide.columns = [f"{c}_{name}" for c in wide.columns]
        out = out.merge(wide.reset_index(), on=["iso3", "edition"], how="left")
    breaks = comp.breaks().set_index("edition")
    out["break"] = out["edition"].map(breaks["break"]).fillna(False).astype(bool)
    out["break_events"] = out["edition"].map(breaks["events"]).fillna("")
    parts = [lk.parts[lk.parts["node"] == "index"].assign(edition=lk.edition_to)
             for lk in comp.links]
    if parts:
        p = pd.concat(parts, ignore_index=True)[["iso3", "edition", "data", "methodology",
                                                 "weights"]]
        p.columns = ["iso3", "edition", "data_change", "methodology_change", "weights_change"]
        out = out.merge(p, on=["iso3", "edition"], how="left")
    return out


def _safe(fn, code: str) -> str:
    try:
        return fn(code) or code
    except (KeyError, LookupError, ValueError):
        return code


def _window(b: Build) -> str:
    """The default window of the edition (the most common year rule span)."""
    rules = [b.spec.effective_years(i) for i in b.spec.indicators()]
    spans = pd.Series([f"{r.start}–{r.end}" for r in rules if r.rule != "exact"])
    return str(spans.mode().iloc[0]) if len(spans) else ""


def _indicators_relative(b: Build) -> pd.DataFrame:
    norm = b.result.normalised
    ref = b.spec.reference
    if ref is None or ref not in norm.index:
        return norm
    with np.errstate(divide="ignore", invalid="ignore"):
        out = norm / norm.loc[ref]
    return out.replace([np.inf, -np.inf], np.nan)


def _tree_order(spec: IndexSpec) -> list[str]:
    from aidi.specs.schema import iter_nodes

    return [n.id for n in iter_nodes(spec.root)]
