"""The spec's optional `presentation` block and its resolution for a build."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from aidi.specs.loader import spec_from_dict
from aidi.specs.presentation import resolve_presentation
from tests.conftest import TINY_SPEC


def _spec(**presentation):
    return spec_from_dict({**TINY_SPEC, "presentation": presentation} if presentation
                          else TINY_SPEC)


def test_defaults_without_a_block():
    p = resolve_presentation(_spec(), ["USA", "CHN", "DEU"],
                             {"USA": 1.0, "CHN": 1.4, "DEU": 1.2})
    # the top-ranked economy besides the reference; the root and the pillars; both pillars
    assert (p.focus, p.reference) == ("CHN", "USA")
    assert p.headline == ("index", "ta", "mf") and p.quadrant == ("ta", "mf")


def test_block_wins_and_falls_back_when_not_built():
    spec = _spec(focus="DEU", reference="CHN", headline=["index"], quadrant=["mf", "ta"])
    p = resolve_presentation(spec, ["USA", "CHN", "DEU"], {"USA": 1.0, "CHN": 1.4, "DEU": 1.2})
    assert (p.focus, p.reference, p.headline, p.quadrant) == ("DEU", "CHN", ("index",),
                                                                ("mf", "ta"))
    # DEU not ranked (no index): never the default economy — the best ranked besides the
    # reference (CHN) is; a reference that was not built falls back to the spec's (USA)
    p = resolve_presentation(spec, ["USA", "CHN", "DEU"],
                             {"USA": 1.0, "CHN": 1.4, "DEU": math.nan})
    assert (p.focus, p.reference) == ("USA", "CHN")
    p = resolve_presentation(spec, ["USA", "DEU"], {"USA": 1.0, "DEU": 1.2})
    assert (p.focus, p.reference) == ("DEU", "USA")


def test_unknown_nodes_are_refused():
    with pytest.raises((ValidationError, ValueError), match="presentation names unknown"):
        _spec(quadrant=["ta", "nope"])


def test_aidi_spec_profiles_its_focus():
    from aidi.api import load_spec

    spec = load_spec()
    assert spec.presentation.focus is not None and spec.presentation.quadrant is not None
