"""IMF World Economic Outlook through the DataMapper JSON API (`imfp` is not a dependency).

`GET https://www.imf.org/external/datamapper/api/v1/<INDICATOR>` returns
`{"values": {"<INDICATOR>": {"USA": {"1980": 12552.9, ...}, ...}}, "api": {...}}`, keyed by
ISO3 plus IMF group codes (WEOWORLD, ADVEC, EURO, …), which are skipped: they are longer than
three letters and are not economies (validation still checks the rest). The WEO mixes actual
values and projections in one series; years from the retrieval year on are projections and
are dropped unless the source sets `projections: true`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import requests

from aidi.sources.connectors.base import Connector, ParseError, Payload, rows_frame, year_window
from aidi.sources.connectors.config import SourceConfig


def fetch(source: SourceConfig, session: requests.Session) -> Payload:
    responses: dict[str, Any] = {}
    urls: dict[str, str] = {}
    for s in source.series:
        url = f"{source.url.rstrip('/')}/{s.code}"
        response = session.get(url, timeout=source.timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        responses[s.code] = response.json()
        urls[s.code] = url
    return Payload(source.name, responses, urls)


def parse(payload: Payload, source: SourceConfig) -> pd.DataFrame:
    start, end = year_window(source, payload.retrieved_at)
    if not source.projections and not source.end_year:
        end = int(payload.retrieved_at[:4]) - 1
    records: list[dict[str, Any]] = []
    for s in source.series:
        body = payload.responses.get(s.code)
        if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
            raise ParseError(f"IMF DataMapper response for {s.code} has no `values` object")
        by_country = body["values"].get(s.code, {})
        url = payload.urls.get(s.code, f"{source.url.rstrip('/')}/{s.code}")
        row = 0
        for country, years in by_country.items():
            if len(country) != 3:
                continue  # an IMF group (WEOWORLD, ADVEC, EURO, …)
            for year, value in (years or {}).items():
                row += 1
                if value is None or not (str(year).isdigit() and start <= int(year) <= end):
                    continue
                records.append({"country": country, "year": year, "series": s.id,
                                "value": float(value) * s.scale, "unit": s.unit, "file": url,
                                "row": row, "series_code": s.code})
    return rows_frame(records, payload, source)


CONNECTOR = Connector(fetch, parse)
