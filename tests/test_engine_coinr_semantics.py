"""Where COINr's users most often stumble, aidi has a deliberate rule — tested here.

1. The geometric (and harmonic) mean on zeros or negatives: COINr's `a_gmean` stops with an error
   that does not say where (and min–max 0–100, its default, always makes zeros). aidi raises an
   error naming the node, the unit and the child, unless `aggregate.nonpositive` says otherwise:
   `zero` (a zero child gives 0, negatives still raise) or `offset` (shift, mean, shift back).
2. Per-indicator settings are ignored in favour of global ones: in aidi an indicator's own
   `impute` / `treat` / `normalise` always wins over the spec's `defaults`.
3. Mixed aggregation methods within one level: COINr's `f_ag` is one function per level; in aidi
   every node has its own `aggregate`, so pillars of one level may differ.
(The fourth — failed sensitivity replicates dropped silently — belongs to the robustness engine.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidi.engine.aggregate import NonPositiveError
from aidi.engine.pipeline import build
from aidi.specs.loader import spec_from_dict

UNITS = [f"U{i:02d}" for i in range(12)]
VALUES = {
    "x1": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200],        # one big outlier
    "x2": [5, 3, 8, 1, 9, 2, 7, 4, 6, 10, 12, 11],
    "x3": [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24],
    "x4": [9, 7, 5, 3, 1, 2, 4, 6, 8, 10, 12, 14],
    "x5": [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8],
    "x6": [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5],
}


def observations(drop: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    rows = [(u, 2020, s, float(v), "u", "test", "test.csv")
            for s, vals in VALUES.items() for u, v in zip(UNITS, vals, strict=True)
            if (u, s) not in drop]
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source",
                                       "file"])


def make_spec(p1: dict | None = None, p2: dict | None = None, p3: dict | None = None,
              normalise: dict | None = None, indicators: dict | None = None,
              **defaults: dict) -> dict:
    """Three pillars of two indicators each, at one level, under an arithmetic index."""
    indicators = indicators or {}

    def ind(i: str) -> dict:
        return {"id": i, "name": {"en": i}, "series": i, **indicators.get(i, {})}

    return {
        "id": "t", "name": {"en": "T"}, "units": UNITS,
        "defaults": {"years": {"rule": "exact", "start": 2020, "end": 2020, "fallback": "none"},
                     "normalise": normalise or {"method": "minmax", "low": 0, "high": 100},
                     **defaults},
        "root": {"id": "Index", "name": {"en": "Index"}, "children": [
            {"id": "P1", "name": {"en": "P1"}, "aggregate": p1 or {},
             "children": [ind("x1"), ind("x2")]},
            {"id": "P2", "name": {"en": "P2"}, "aggregate": p2 or {},
             "children": [ind("x3"), ind("x4")]},
            {"id": "P3", "name": {"en": "P3"}, "aggregate": p3 or {},
             "children": [ind("x5"), ind("x6")]}]},
    }


def run(raw: dict, obs: pd.DataFrame | None = None):
    return build(spec_from_dict(raw), observations() if obs is None else obs)


def minmax(v: list[float], low: float = 0, high: float = 100) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    return low + (a - a.min()) / (a.max() - a.min()) * (high - low)


# ============================================================================ 1. zeros, negatives

def test_geometric_mean_on_a_zero_names_node_unit_and_child():
    with pytest.raises(NonPositiveError) as err:
        run(make_spec(p2={"method": "geometric"}))
    msg = str(err.value)
    # min–max 0–100 puts a 0 at each indicator's minimum: x3's minimum is U00
    assert "node 'P2'" in msg and "unit U00" in msg and "child 'x3' = 0" in msg
    assert "2 child value(s)" in msg and "nonpositive" in msg


def test_harmonic_mean_on_a_zero_is_the_same_clear_error():
    with pytest.raises(NonPositiveError, match="node 'P3'.*harmonic"):
        run(make_spec(p3={"method": "harmonic"}))


def test_zero_rule_gives_zero_for_a_unit_with_a_zero_child():
    r = run(make_spec(p2={"method": "geometric", "nonpositive": "zero"}))
    x3, x4 = minmax(VALUES["x3"]), minmax(VALUES["x4"])
    expected = np.where((x3 == 0) | (x4 == 0), 0.0, np.sqrt(x3 * x4))
    np.testing.assert_allclose(r.scores["P2"], expected)
    assert r.scores.loc["U00", "P2"] == 0 and r.scores.loc["U04", "P2"] == 0


def test_offset_rule_shifts_and_shifts_back():
    r = run(make_spec(p2={"method": "geometric", "nonpositive": "offset", "offset": 1}))
    x3, x4 = minmax(VALUES["x3"]), minmax(VALUES["x4"])
    np.testing.assert_allclose(r.scores["P2"], np.sqrt((x3 + 1) * (x4 + 1)) - 1)


def test_normalising_onto_positive_values_is_the_coinr_way_and_works():
    r = run(make_spec(p2={"method": "geometric"}, normalise={"method": "minmax", "low": 1,
                                                              "high": 100}))
    x3, x4 = minmax(VALUES["x3"], 1, 100), minmax(VALUES["x4"], 1, 100)
    np.testing.assert_allclose(r.scores["P2"], np.sqrt(x3 * x4))


def test_negatives_raise_even_with_the_zero_rule():
    with pytest.raises(NonPositiveError, match="node 'P2'.*zero or negative"):
        run(make_spec(p2={"method": "geometric", "nonpositive": "zero"},
                      normalise={"method": "zscore"}))


def test_arithmetic_mean_accepts_zeros_and_negatives():
    r = run(make_spec(normalise={"method": "zscore"}))
    assert np.isfinite(r.scores.to_numpy()).all()


# ============================================================================ 2. specific wins

def test_per_indicator_normalisation_wins_over_the_default():
    r = run(make_spec(indicators={"x2": {"normalise": {"method": "zscore"}}}))
    z = r.normalised["x2"]
    assert z.mean() == pytest.approx(0, abs=1e-12) and z.std(ddof=1) == pytest.approx(1)
    np.testing.assert_allclose(r.normalised["x3"], minmax(VALUES["x3"]))


def test_per_indicator_imputation_wins_over_the_default():
    obs = observations(drop=(("U03", "x3"), ("U03", "x4")))
    r = run(make_spec(impute={"method": "mean"},
                      indicators={"x3": {"impute": {"method": "none"}}}), obs)
    assert np.isnan(r.imputed.loc["U03", "x3"])                      # its own: none
    x4 = [v for u, v in zip(UNITS, VALUES["x4"], strict=True) if u != "U03"]
    assert r.imputed.loc["U03", "x4"] == pytest.approx(np.mean(x4))  # the default: mean
    assert r.imputed_mask.loc["U03", "x4"] and not r.imputed_mask.loc["U03", "x3"]


def test_per_indicator_treatment_wins_over_the_default():
    treat = {"method": "winsorise", "winmax": 5, "fallback": "log_ct"}
    r = run(make_spec(treat=treat))
    assert r.treated.loc["U11", "x1"] == 11                           # default: winsorised
    r = run(make_spec(treat=treat, indicators={"x1": {"treat": {"method": "none"}}}))
    assert r.treated.loc["U11", "x1"] == 200                          # its own: untouched
    r = run(make_spec(treat={"method": "none"},
                      indicators={"x1": {"treat": {"method": "winsorise", "winmax": 0,
                                                   "fallback": "log_ct"}}}))
    np.testing.assert_allclose(r.treated["x1"], np.log(np.array(VALUES["x1"]) - 1 + 0.01 * 199))
    assert any(e.step == "treat" and e.indicator == "x1" and "log_ct" in e.detail for e in r.log)


# ============================================================================ 3. mixed methods

def test_mixed_aggregation_methods_within_one_level():
    norm = {"method": "minmax", "low": 1, "high": 100}
    r = run(make_spec(p1={"method": "arithmetic"}, p2={"method": "geometric"},
                      p3={"method": "harmonic"}, normalise=norm))
    n = {k: minmax(v, 1, 100) for k, v in VALUES.items()}
    p1 = (n["x1"] + n["x2"]) / 2
    p2 = np.sqrt(n["x3"] * n["x4"])
    p3 = 2 / (1 / n["x5"] + 1 / n["x6"])
    np.testing.assert_allclose(r.scores["P1"], p1)
    np.testing.assert_allclose(r.scores["P2"], p2)
    np.testing.assert_allclose(r.scores["P3"], p3)
    np.testing.assert_allclose(r.index, (p1 + p2 + p3) / 3)
    assert set(r.contributions.drop_duplicates("parent").set_index("parent")["method"]
               .items()) == {("P1", "arithmetic"), ("P2", "geometric"), ("P3", "harmonic"),
                             ("Index", "arithmetic")}


# ============================================================================ screening order

def test_screening_on_raw_or_imputed_data():
    obs = observations(drop=tuple((u, s) for u in ("U01",) for s in ("x1", "x2", "x3")))
    raw = make_spec(impute={"method": "mean"})
    raw["screen"] = {"min_availability": 0.9}
    r = run(raw, obs)
    assert r.screened_out == ("U01",) and "U01" not in r.units
    raw["screen"]["on"] = "imputed"
    r = run(raw, obs)
    assert r.screened_out == () and r.imputed_mask.loc["U01"].sum() == 3
    # imputation used every unit (U01's cells are the mean of the other eleven)
    x1 = [v for u, v in zip(UNITS, VALUES["x1"], strict=True) if u != "U01"]
    assert r.imputed.loc["U01", "x1"] == pytest.approx(np.mean(x1))
