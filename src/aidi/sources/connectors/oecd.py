"""OECD Data Explorer (SDMX 2.1 REST) through `sdmx1`.

`sdmx1` builds the request (`data/<flow>/<key>?startPeriod=…`); it is sent asking for SDMX-ML
*generic* data, which carries its own dimension ids, so parsing needs no second request for
the data structure. The payload keeps the XML bytes; `parse` reads them with
`sdmx.read_sdmx` and takes `REF_AREA`, `TIME_PERIOD` and the value. The message's `Prepared`
time is recorded as the publisher vintage. Areas that are not three-letter codes (OECD,
EU27_2020, G20, …) are groups and are skipped.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import requests

from aidi.sources.connectors.base import Connector, ParseError, Payload, rows_frame, year_window
from aidi.sources.connectors.config import SourceConfig

GENERIC_DATA = "application/vnd.sdmx.genericdata+xml;version=2.1"


def request(source: SourceConfig, key: str) -> requests.PreparedRequest:
    import sdmx

    client = sdmx.Client("OECD")
    return client.data(source.flow, key=key, params={"startPeriod": str(source.start_year)},
                       headers={"Accept": GENERIC_DATA}, dry_run=True)


def fetch(source: SourceConfig, session: requests.Session) -> Payload:
    responses: dict[str, Any] = {}
    urls: dict[str, str] = {}
    for s in source.series:
        prepared = request(source, s.code)
        response = session.send(prepared, timeout=source.timeout)
        response.raise_for_status()
        responses[s.code] = response.content
        urls[s.code] = str(prepared.url)
    return Payload(source.name, responses, urls)


def _series(content: bytes, code: str) -> tuple[pd.DataFrame, str]:
    import sdmx

    try:
        message = sdmx.read_sdmx(io.BytesIO(content))
        data = sdmx.to_pandas(message)
    except Exception as exc:  # sdmx raises many types for malformed messages
        raise ParseError(f"OECD response for {code} is not SDMX-ML data: {exc}") from None
    frames = data if isinstance(data, list) else [data]
    frames = [f.reset_index() for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["REF_AREA", "TIME_PERIOD", "value"]), ""
    frame = pd.concat(frames, ignore_index=True)
    missing = {"REF_AREA", "TIME_PERIOD", "value"} - set(frame.columns)
    if missing:
        raise ParseError(f"OECD response for {code} lacks dimension(s) {sorted(missing)}")
    prepared = getattr(message.header, "prepared", None)
    return frame, prepared.isoformat() if prepared is not None else ""


def parse(payload: Payload, source: SourceConfig) -> pd.DataFrame:
    start, end = year_window(source, payload.retrieved_at)
    records: list[dict[str, Any]] = []
    vintage = ""
    for s in source.series:
        if s.code not in payload.responses:
            raise ParseError(f"no response for {s.code} in the {source.name} payload")
        frame, vintage = _series(payload.responses[s.code], s.code)
        url = payload.urls.get(s.code, "")
        for i, r in enumerate(frame.itertuples(index=False), start=1):
            year = str(r.TIME_PERIOD)[:4]
            if pd.isna(r.value) or not (year.isdigit() and start <= int(year) <= end) \
                    or len(str(r.REF_AREA)) != 3:
                continue
            records.append({"country": r.REF_AREA, "year": year, "series": s.id,
                            "value": float(r.value) * s.scale, "unit": s.unit, "file": url,
                            "row": i, "series_code": s.code})
    out = rows_frame(records, payload, source)
    if vintage and not payload.publisher_vintage:
        out["publisher_vintage"] = vintage
    return out


CONNECTOR = Connector(fetch, parse)
