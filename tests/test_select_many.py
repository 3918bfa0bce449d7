"""Issue #25, class 6: the select step for all indicators at once (`engine/select_many.py`)
gives what the per-indicator rules of `engine/select.py` give, for any mix of transforms,
year rules and gaps — so the 10,000-indicator speed-up changes no number (window means may
differ in the last bit: the sum runs over the window's years only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidi.engine.select import apply_year_rule, transformed_panel
from aidi.engine.select_many import select_all
from aidi.specs.loader import spec_from_dict

UNITS = ["USA", "CHN", "DEU", "JPN"]
YEARS = list(range(2015, 2024))
TRANSFORMS = st.sampled_from([
    {"kind": "level"}, {"kind": "level", "scale": 0.01}, {"kind": "per_capita"},
    {"kind": "ratio", "denominator": "s.d"}, {"kind": "product", "multiplier": "s.d"},
    {"kind": "log", "offset": 1.0}])
RULES = st.builds(lambda r, s, w, f: {"rule": r, "start": s, "end": s + w, "fallback": f},
                  st.sampled_from(["latest", "mean", "exact"]), st.integers(2015, 2022),
                  st.integers(0, 2), st.sampled_from(["none", "latest_earlier"]))
CELL = st.one_of(st.none(), st.floats(0.5, 1e6, allow_nan=False))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 5))
    inds = [{"id": f"i{j}", "name": {"en": f"i{j}"}, "series": f"s.{j % 3}",
             "transform": draw(TRANSFORMS), "years": draw(RULES)} for j in range(n)]
    spec = spec_from_dict({"id": "t", "name": {"en": "T"}, "reference": "USA",
                           "units": UNITS, "root": {"id": "r", "name": {"en": "R"},
                                                    "children": inds}})
    rows = [(u, y, s, v) for s in ("s.0", "s.1", "s.2", "s.d", "wdi.SP.POP.TOTL")
            for u in UNITS for y in YEARS if (v := draw(CELL)) is not None]
    rows += [("USA", 2015, s, 1.0) for s in ("s.0", "s.1", "s.2", "s.d", "wdi.SP.POP.TOTL")]
    obs = pd.DataFrame(rows, columns=["iso3", "year", "series", "value"])
    return spec, obs


def _per_indicator(spec, obs, units):
    inds = spec.indicators()
    out = {k: [] for k in ("value", "year", "label", "carried", "numerator", "denominator")}
    for ind in inds:
        trans, num, den = transformed_panel(obs, ind.series, ind.transform, units)
        sel = apply_year_rule(trans, num, den, spec.effective_years(ind))
        for key, col in (("value", sel.value), ("year", sel.year), ("label", sel.year_label),
                         ("carried", sel.carried_forward), ("numerator", sel.numerator),
                         ("denominator", sel.denominator)):
            out[key].append(col.to_numpy())
    return {k: np.column_stack(v) for k, v in out.items()}


@given(cases())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_all_at_once_equals_one_by_one(case):
    spec, obs = case
    want = _per_indicator(spec, obs, UNITS)
    got = select_all(spec, obs, UNITS)
    np.testing.assert_allclose(got.value, want["value"].astype(float), rtol=1e-14)
    for key in ("year", "numerator", "denominator"):
        np.testing.assert_array_equal(getattr(got, key), want[key].astype(float))
    assert (got.label == np.where(pd.isna(want["label"]), "", want["label"])).all()
    assert (got.carried == want["carried"].astype(bool)).all()
