"""The explorer's world map data: Natural Earth 1:110m countries, one shape per economy.

The boundaries are the `world-atlas` 2.0.2 TopoJSON vendored under
`assets/vendor/world-atlas/` (provenance and licences in its PROVENANCE.md and LICENSE). This
module only re-keys it: each geometry gets an ISO3 code (`aidi.countries.from_m49` on the
ISO 3166-1 numeric id), geometries without an id are matched by name (`UNNUMBERED`), two
shapes of the same economy are merged into one multipolygon, and Antarctica is left out. The
arcs stay as published (quantized, delta-encoded): the page decodes and projects them.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from aidi.countries import from_m49, name_en, name_zh

__all__ = ["ATLAS", "UNNUMBERED", "world_map"]

ATLAS = ("assets", "vendor", "world-atlas", "countries-110m.json")
#: Natural Earth geometries without an ISO numeric id → the economy they are drawn with
#: (Kosovo is its own economy in the World Bank's data; the other two are shown as part of
#: the UN member state, as the UN's own maps do).
UNNUMBERED = {"Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}
#: Not drawn: no economy, and it takes a fifth of the map's height.
LEFT_OUT = frozenset({"ATA"})


@cache
def _topology() -> dict[str, Any]:
    text = resources.files("aidi.explorer").joinpath(*ATLAS).read_text(encoding="utf-8")
    return json.loads(text)


def _polygons(geometry: dict[str, Any]) -> list:
    """A geometry's arcs as a list of polygons (each a list of rings of arc indices)."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def world_map() -> dict[str, Any]:
    """`{"transform", "arcs", "shapes": [{"iso3", "polygons"}], "names": {"en", "zh"}}` —
    every economy once, in the file's order."""
    topo = _topology()
    shapes: dict[str, list] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        iso3 = from_m49(g["id"]) if g.get("id") else UNNUMBERED.get(g["properties"]["name"])
        if iso3 is None or iso3 in LEFT_OUT:
            continue
        shapes.setdefault(iso3, []).extend(_polygons(g))
    codes = list(shapes)
    return {"transform": topo["transform"], "arcs": topo["arcs"],
            "shapes": [{"iso3": c, "polygons": shapes[c]} for c in codes],
            "names": {"en": {c: name_en(c) for c in codes}, "zh": {c: name_zh(c) for c in codes}}}
