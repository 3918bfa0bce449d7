"""Live connectors to the publishers' APIs and files, declared in `sources.yaml`.

Each connector module exposes `fetch(source, session) -> Payload` (network) and
`parse(payload, source) -> DataFrame` (pure, tested on recorded responses); `CONNECTORS` maps
a source's `kind` to them. `aidi.store.refresh` runs them into the store.
"""

from __future__ import annotations

import importlib

from aidi.sources.connectors.base import Connector, ParseError, Payload, SourceUnreachable
from aidi.sources.connectors.config import SeriesMap, SourceConfig, load_sources, select_sources

__all__ = ["CONNECTORS", "Connector", "ParseError", "Payload", "SeriesMap", "SourceConfig",
           "SourceUnreachable", "connector", "load_sources", "select_sources"]

CONNECTORS: dict[str, str] = {
    "worldbank": "aidi.sources.connectors.worldbank",
    "imf_datamapper": "aidi.sources.connectors.imf",
    "oecd_sdmx": "aidi.sources.connectors.oecd",
    "file_url": "aidi.sources.connectors.file_url",
}


def connector(kind: str) -> Connector:
    """The connector for a source kind (imported on demand: wbgapi and sdmx1 are slow to load)."""
    if kind not in CONNECTORS:
        raise ValueError(f"unknown connector kind {kind!r}; known: {sorted(CONNECTORS)}")
    return importlib.import_module(CONNECTORS[kind]).CONNECTOR
