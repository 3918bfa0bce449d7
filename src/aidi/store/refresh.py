"""`aidi data refresh`: fetch every selected source, validate, store ONE new vintage.

All or nothing by default: every source is fetched before anything is written, so being
offline (or one publisher being down) leaves the store exactly as it was and says so in one
line. `keep_going` stores what could be fetched and lists what could not. Rows that fail
validation are reported per source (row, reason) and left out; a source with nothing valid,
or any bad row with `strict`, stops the refresh before the store is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import requests

from aidi.progress import Progress, report, track
from aidi.sources.connectors import Payload, SourceConfig, SourceUnreachable, connector
from aidi.sources.connectors.base import ParseError, describe_network_error
from aidi.sources.validate import DataValidationError, ValidationReport, validate_observations
from aidi.store.duckdb_store import Provenance, Store

Fetcher = Callable[[SourceConfig], Payload]


@dataclass(frozen=True)
class RefreshResult:
    vintage_id: str | None             # None when nothing new was stored
    reports: tuple[ValidationReport, ...]
    unreachable: tuple[SourceUnreachable, ...] = ()
    stored_rows: int = 0
    unchanged_rows: int = 0


def _network_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [requests.RequestException, OSError]
    try:
        import wbgapi

        errors.append(wbgapi.APIError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def default_fetcher(session: requests.Session | None = None) -> Fetcher:
    """Fetch with the source's connector over one shared HTTP session."""
    http = session or requests.Session()
    return lambda source: connector(source.kind).fetch(source, http)


def fetch_all(sources: Sequence[SourceConfig], fetch: Fetcher, keep_going: bool = False,
              progress: Progress | None = None
              ) -> tuple[dict[str, Payload], list[SourceUnreachable]]:
    """Payloads of every source; a network failure raises `SourceUnreachable` (or is listed)."""
    payloads: dict[str, Payload] = {}
    failed: list[SourceUnreachable] = []
    for source in track(sources, progress, "fetching from the publishers"):
        try:
            payloads[source.name] = fetch(source)
        except _network_errors() as exc:
            err = SourceUnreachable(source.name, source.host, describe_network_error(exc))
            if not keep_going:
                raise err from None
            failed.append(err)
    return payloads, failed


def parse_and_validate(source: SourceConfig, payload: Payload, known_units: dict[str, str],
                       strict: bool = False) -> ValidationReport:
    try:
        parsed = connector(source.kind).parse(payload, source)
    except ParseError as exc:
        raise DataValidationError(f"{source.name}: {exc}") from None
    return validate_observations(parsed, source.name, rules=source.rules(),
                                 known_units=known_units, strict=strict)


def refresh(store: Store, sources: Sequence[SourceConfig], *, fetch: Fetcher | None = None,
            keep_going: bool = False, strict: bool = False,
            progress: Progress | None = None) -> RefreshResult:
    """Fetch, validate and store `sources` as one vintage (see the module docstring);
    `progress` hears the sources fetched, then the validation and the store write."""
    if not sources:
        raise ValueError("no sources selected (all are disabled in sources.yaml?)")
    payloads, failed = fetch_all(sources, fetch or default_fetcher(), keep_going, progress)
    if not payloads:
        raise failed[0]
    report(progress, "validating and storing")
    units = store.series_units()
    reports = tuple(parse_and_validate(s, payloads[s.name], units, strict)
                    for s in sources if s.name in payloads)
    accepted = pd.concat([r.accepted for r in reports], ignore_index=True)
    names = [s.name for s in sources if s.name in payloads]
    retrieved = min(p.retrieved_at for p in payloads.values())
    prov = Provenance(kind="refresh", label=f"refresh: {', '.join(names)}",
                      retrieved_at=retrieved, sources=",".join(names),
                      note="; ".join(f"{r.source}: {r.n_rejected} rejected" for r in reports
                                     if r.n_rejected))
    vid = store.add_vintage(accepted, prov)
    if vid is None:  # nothing new or revised: no empty vintage is stored
        return RefreshResult(None, reports, tuple(failed), 0, len(accepted))
    row = store.vintages().set_index("vintage_id").loc[vid]
    return RefreshResult(vid, reports, tuple(failed), int(row["n_rows"]), int(row["n_unchanged"]))
