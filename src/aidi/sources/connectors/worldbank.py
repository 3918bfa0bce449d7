"""World Bank indicators API (WDI, WGI, …) through `wbgapi`.

`fetch` asks the v2 indicator endpoint (`country/all/indicator/<CODE>?source=<db>`) through
`wbgapi.fetch`, which pages and checks errors; the payload keeps the v2 rows exactly as
returned (`{"indicator": {...}, "country": {...}, "countryiso3code": "USA", "date": "2023",
"value": 1.2, ...}`). `parse` also accepts a saved raw response (`[{"page": 1, ...}, [rows]]`).
Aggregates (WLD, EUU, income groups) come back too; validation rejects them by code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pandas as pd
import requests

from aidi.sources.connectors.base import Connector, ParseError, Payload, rows_frame, year_window
from aidi.sources.connectors.config import SourceConfig


@contextlib.contextmanager
def _timeout(seconds: float) -> Iterator[None]:
    import wbgapi

    saved = dict(wbgapi.get_options)
    wbgapi.get_options["timeout"] = seconds
    try:
        yield
    finally:
        wbgapi.get_options.clear()
        wbgapi.get_options.update(saved)


def indicator_url(source: SourceConfig, code: str, end: int) -> str:
    """The v2 request `fetch` makes for one code (recorded as the rows' `file`)."""
    return (f"{source.url.rstrip('/')}/country/all/indicator/{code}?source={source.database or 2}"
            f"&date={source.start_year}:{end}")


def fetch(source: SourceConfig, session: requests.Session | None = None) -> Payload:
    """All series of `source`, one request (with paging) per indicator code."""
    import wbgapi

    db = source.database or 2
    payload_time = Payload(source.name, {}, {}).retrieved_at
    start, end = year_window(source, payload_time)
    responses: dict[str, Any] = {}
    urls: dict[str, str] = {}
    with _timeout(source.timeout):
        try:
            vintage = str(wbgapi.source.get(db).get("lastupdated", ""))
        except (KeyError, TypeError, wbgapi.APIError):
            vintage = ""
        for s in source.series:
            rows = wbgapi.fetch(f"country/all/indicator/{s.code}",
                                {"source": db, "date": f"{start}:{end}"})
            responses[s.code] = list(rows)
            urls[s.code] = indicator_url(source, s.code, end)
    return Payload(source.name, responses, urls, retrieved_at=payload_time,
                   publisher_vintage=vintage)


def _rows(response: Any, code: str) -> list[dict[str, Any]]:
    if isinstance(response, list) and len(response) == 2 and isinstance(response[0], dict) \
            and "page" in response[0]:
        if "message" in response[0]:
            raise ParseError(f"World Bank API error for {code}: {response[0]['message']}")
        return response[1] or []
    if isinstance(response, list) and all(isinstance(r, dict) for r in response):
        return response
    raise ParseError(f"World Bank response for {code} is not a v2 indicator list")


def parse(payload: Payload, source: SourceConfig) -> pd.DataFrame:
    """v2 indicator rows → parsed rows (missing values are skipped, not rejected)."""
    start, end = year_window(source, payload.retrieved_at)
    records: list[dict[str, Any]] = []
    for s in source.series:
        if s.code not in payload.responses:
            raise ParseError(f"no response for {s.code} in the {source.name} payload")
        url = payload.urls.get(s.code, indicator_url(source, s.code, end))
        for i, row in enumerate(_rows(payload.responses[s.code], s.code), start=1):
            if row.get("value") is None:
                continue
            year = str(row.get("date", ""))
            if year.isdigit() and not start <= int(year) <= end:
                continue
            country = row.get("countryiso3code") or (row.get("country") or {}).get("value", "")
            records.append({"country": country, "year": year, "series": s.id,
                            "value": float(row["value"]) * s.scale, "unit": s.unit,
                            "file": url, "row": i, "series_code": s.code})
    return rows_frame(records, payload, source)


CONNECTOR = Connector(fetch, parse)
