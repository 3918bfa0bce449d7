"""What every connector shares: the raw payload, the parsed-row layout, network error wording.

Why fetch and parse are separate: `fetch` is the only part that touches the network, so the
parsing — where the publisher-specific bugs live — is tested on recorded responses, offline.
A payload keeps the responses exactly as received (JSON as decoded, files as bytes), so a
recorded fixture is just a saved response.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import requests

from aidi.errors import AidiError
from aidi.sources.connectors.config import SourceConfig

#: Columns a connector's `parse` returns (validation maps `country` to ISO3).
PARSED = ("country", "year", "series", "value", "unit", "source", "file", "row",
          "publisher", "dataset", "series_code", "url", "retrieved_at", "publisher_vintage")


@dataclass(frozen=True)
class Payload:
    """Raw responses of one source: request key (series code, or "file") → response."""

    source: str
    responses: Mapping[str, Any]
    urls: Mapping[str, str]
    retrieved_at: str = field(default_factory=lambda: datetime.now(UTC).replace(
        microsecond=0).isoformat().replace("+00:00", "Z"))
    publisher_vintage: str = ""


@dataclass(frozen=True)
class Connector:
    fetch: Callable[[SourceConfig, requests.Session], Payload]
    parse: Callable[[Payload, SourceConfig], pd.DataFrame]


class SourceUnreachable(AidiError, ConnectionError):
    """A publisher could not be reached (or refused); nothing was stored."""

    def __init__(self, source: str, host: str, detail: str) -> None:
        super().__init__(f"cannot reach {host}: {detail}; the store is unchanged")
        self.source, self.host, self.detail = source, host, detail


class ParseError(ValueError):
    """A response that does not have the publisher's documented layout."""


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def describe_network_error(exc: BaseException) -> str:
    """A short reason for a network failure ("Temporary failure in name resolution")."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason or ''}".strip()
    text = str(exc)
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip()
    if isinstance(exc, requests.Timeout):
        return "timed out"
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 160 else first[:157] + "…"


def rows_frame(records: list[dict[str, Any]], payload: Payload, source: SourceConfig
               ) -> pd.DataFrame:
    """Parsed records (country, year, series, value, unit, file, row, series_code) → PARSED."""
    frame = pd.DataFrame.from_records(records, columns=[
        "country", "year", "series", "value", "unit", "file", "row", "series_code"])
    frame["source"] = source.source
    frame["url"] = frame["file"]
    frame["publisher"] = source.publisher
    frame["dataset"] = source.dataset
    frame["retrieved_at"] = payload.retrieved_at
    frame["publisher_vintage"] = payload.publisher_vintage
    return frame.loc[:, list(PARSED)]


def year_window(source: SourceConfig, retrieved_at: str) -> tuple[int, int]:
    """(first, last) year to keep: config bounds, the retrieval year by default."""
    end = source.end_year or int(retrieved_at[:4])
    return source.start_year, end
