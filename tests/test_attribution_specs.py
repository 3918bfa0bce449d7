"""`attribute(a, b)` for two specs on the same data: exact end points, parts that sum to the
change, and swapping the builds negates every part (issue 21 follow-up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import aidi
from aidi.analysis import attribution
from aidi.analysis.attribution import attribute
from aidi.specs.loader import spec_from_dict

pytestmark = pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")

_OBS = pd.DataFrame(
    [(u, 2022, f"s.{k}", v) for u, vals in (("USA", (1, 1, 1, 1)), ("CHN", (3, 0.5, 4, 2)),
                                             ("JPN", (0.4, 2, 0.5, 0.8)))
     for k, v in zip("abcd", vals, strict=True)], columns=["iso3", "year", "series", "value"])


def _spec(ids: str, *, calibrated: bool, method: str) -> dict:
    """Three economies, ratio-to-USA normalisation; `calibrated` caps every ratio at 1.5
    through a calibration parameter (as the source's index as published does)."""
    d = {"id": "pair", "name": {"en": "Pair"}, "edition": "2024", "reference": "USA",
         "units": ["USA", "CHN", "JPN"],
         "defaults": {"normalise": {"method": "ratio", "reference": "USA"}},
         "root": {"id": "index", "name": {"en": "Index"}, "aggregate": {"method": method},
                  "children": [{"id": i, "name": {"en": i}, "series": f"s.{i}"} for i in ids]}}
    if calibrated:
        d["calibration"] = {"procedure": "by-hand", "fit": ["index"], "parameters": [
            {"id": "ceiling", "value": 1.5, "bounds": [1.0, 10.0],
             "targets": [{"field": "normalise.ceiling"}]}]}
    return d


@pytest.fixture(scope="module")
def pair():
    """A: indicators a, b, c, arithmetic, calibrated ceiling 1.5. B: a, b, d, geometric,
    no calibration, a weighted 2."""
    a = aidi.build(spec_from_dict(_spec("abc", calibrated=True, method="arithmetic")),
                   data=_OBS)
    b = aidi.build(spec_from_dict(_spec("abd", calibrated=False, method="geometric")),
                   data=_OBS).with_weights({"a": 2.0})
    return a, b


def test_end_points_are_the_two_builds_and_parts_sum(pair):
    a, b = pair
    att = attribute(a, b)
    assert att.check < 1e-12
    chn = att.of("CHN")
    # by hand: A caps CHN's a (3) and c (4) at 1.5 → (1.5 + 0.5 + 1.5) / 3
    assert chn["score_a"] == pytest.approx(3.5 / 3, abs=1e-12)
    # B: no cap, geometric, weights (2, 1, 1) → (3² · 0.5 · 2)^(1/4)
    assert chn["score_b"] == pytest.approx((9 * 0.5 * 2) ** 0.25, abs=1e-12)
    assert att.frame["check"].abs().max() < 1e-12
    kinds = {c.name: c.kind for c in att.changes}
    assert kinds["calibration"] == "default" and kinds["c"] == "leaves"
    assert kinds["d"] == "enters" and kinds["node:index"] == "node_method"


def _parts(att) -> pd.DataFrame:
    cols = [c for c in att.frame.columns if c in ("data", "methodology", "weights")
            or ":" in c]
    return att.frame.set_index(["iso3", "node"])[["change", *cols]]


def test_swapping_the_builds_negates_every_part(pair):
    a, b = pair
    ab, ba = _parts(attribute(a, b)), _parts(attribute(b, a))
    assert set(ab.columns) == set(ba.columns)
    np.testing.assert_allclose(ab.to_numpy(float), -ba.reindex_like(ab).to_numpy(float),
                               atol=1e-12)


def test_sampled_split_is_negated_too(pair, monkeypatch):
    """A part split by sampled permutations (more changes than MAX_EXACT) still negates."""
    monkeypatch.setattr(attribution, "MAX_EXACT", 1)
    a, b = pair
    fwd, back = attribute(a, b), attribute(b, a)
    assert fwd.inner == "sampled"
    ab, ba = _parts(fwd), _parts(back)
    np.testing.assert_allclose(ab.to_numpy(float), -ba.reindex_like(ab).to_numpy(float),
                               atol=1e-12)


@pytest.mark.slow
def test_shipped_spec_pair_both_directions():
    """cicc-2024 → aidi-2024 and back: end points are the builds' own scores (the calibration
    used to stay B's, putting China's start at 1.08 instead of 0.762), parts negate."""
    a, b = aidi.build("cicc-2024"), aidi.build("aidi-2024")
    fwd, back = attribute(a, b), attribute(b, a)
    assert fwd.check < 1e-12 and back.check < 1e-12
    chn = fwd.of("CHN")
    assert chn["score_a"] == pytest.approx(a.relative().loc["CHN", "index"], abs=1e-12)
    assert chn["score_b"] == pytest.approx(b.relative().loc["CHN", "index"], abs=1e-12)
    assert round(chn["score_a"], 3) == 0.762 and round(chn["score_b"], 3) == 0.679
    ab, ba = _parts(fwd), _parts(back)
    assert not ab.isna().any().any()  # a dimension's swap is one change: no mix empties it
    np.testing.assert_allclose(ab.to_numpy(float), -ba.reindex_like(ab).to_numpy(float),
                               atol=1e-12)
    kinds = {c.name: c.part for c in fwd.changes}
    assert {"definitions:algorithms", "calibration", "weights"} <= set(kinds)
    # the same total as the why-we-differ split (its players are coarser: dimensions)
    why = b.why_we_differ().frame.set_index(["iso3", "node"])["difference"]
    change = fwd.frame.set_index(["iso3", "node"])["change"].reindex(why.index)
    np.testing.assert_allclose(change.to_numpy(float), why.to_numpy(float), atol=1e-12)
