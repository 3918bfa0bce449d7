"""The explorer: one self-contained HTML page to move weights, see rank bands and try scenarios.

`export.build_payload(build)` turns an `aidi.Build` into the JSON the page reads (the spec tree,
normalised matrices per normalisation, the variant tensors for the rank bands, per-cell
lineage, what scenarios need); `page.render(payload)` writes it into one HTML file with inline
JavaScript and CSS. Python stays the reference: the page only re-aggregates what Python
exported, or, for scenarios, repeats the documented steps of `Build.with_changes`; the browser
tests check both against the Python API.
"""

from aidi.explorer.export import (
    BAND_CONFIG,
    build_for_state,
    build_payload,
    rank_bands,
    scenario_from_page,
)
from aidi.explorer.page import render, write_explorer

__all__ = ["BAND_CONFIG", "build_for_state", "build_payload", "rank_bands", "render",
           "scenario_from_page", "write_explorer"]
