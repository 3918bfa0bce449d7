"""Issue 21: the source's index as published (cicc-2024), the validity-driven index
(aidi-2024) with its intensity variant, the statements, the calibration procedure and the
exact split of their difference. Hand-computed cases on tiny specs; the shipped specs on the
embedded snapshot (built once per module)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import aidi
from aidi.analysis.calibration import calibrate_spec
from aidi.analysis.health import indicator_health
from aidi.analysis.statements import check_statements, summary_counts
from aidi.analysis.why_differ import hybrid, players
from aidi.engine.normalise import normalise_matrix, shape_scores
from aidi.engine.pipeline import build
from aidi.specs.intensity import intensity_spec
from aidi.specs.loader import SpecError, load_spec, spec_from_dict
from aidi.specs.schema import Normalise
from tests.conftest import TINY_SPEC


# ---- engine: power and ceiling, imputation scope ----------------------------------------------
def test_power_then_ceiling_by_hand():
    x = np.array([[4.0, 1.0], [1.0, 9.0], [np.nan, 0.25]])
    ref = Normalise(method="ratio", reference="A", power=0.5, ceiling=1.5)
    out = normalise_matrix(x, [ref, ref], np.array([1.0, 1.0]), ["A", "B", "C"], ["p", "q"])
    # ratio to A: [1, 1], [0.25, 9], [nan, 0.25]; sqrt; then capped at 1.5
    np.testing.assert_allclose(out, [[1, 1], [0.5, 1.5], [np.nan, 0.5]])
    assert shape_scores(x) is x  # nothing to do: the same array
    with pytest.raises(ValueError, match="non-negative"):
        shape_scores(np.array([[-1.0]]), power=0.5, names=["neg"])


def test_imputation_fills_only_a_dimension_that_has_data():
    d = copy.deepcopy(TINY_SPEC)
    d["defaults"] = {"impute": {"method": "median", "scope": "dimension_with_data"}}
    spec = spec_from_dict(d)
    rows = []
    for u, a, b in (("USA", 10, 5), ("CHN", 6, None), ("DEU", 3, 2), ("JPN", None, None)):
        rows += [(u, 2022, "s.a", a), (u, 2022, "s.b", b), (u, 2022, "s.c", 1.0),
                 (u, 2022, "s.pop", 1.0)]
    obs = pd.DataFrame(rows, columns=["iso3", "year", "series", "value"]).dropna().assign(
        unit="u", source="t", file="t")
    parent = spec.parent_of()
    assert parent["a"] == parent["b"]  # the tiny spec's two siblings
    result = build(spec, obs, units=["USA", "CHN", "DEU", "JPN"])
    imp = result.imputed
    assert imp.loc["CHN", "b"] == pytest.approx(3.5)  # median of 5 and 2: CHN has `a`
    assert np.isnan(imp.loc["JPN", "a"]) and np.isnan(imp.loc["JPN", "b"])  # no data at all
    assert result.imputed_mask.loc["CHN", "b"] and not result.imputed_mask.loc["JPN", "a"]


# ---- specs: shipped names, intensity ------------------------------------------------------------
def test_shipped_specs_and_the_intensity_name():
    cicc, base = load_spec("cicc-2024"), load_spec("aidi-2024")
    inten = load_spec("aidi-2024-intensity")
    assert inten.id == "aidi-2024-intensity" and inten.published == ()
    assert inten.statements == () and inten.counterpart is None
    assert [i.id for i in inten.indicators()] == [i.id for i in base.indicators()]
    changed = {i.id for i, j in zip(base.indicators(), inten.indicators(), strict=True)
               if (i.series, i.transform) != (j.series, j.transform)}
    assert {"exposed_gdp", "ai_startups", "ai_private_investment"} <= changed
    assert "regulatory_quality" not in changed  # already an intensity: kept
    assert intensity_spec(base) == inten
    with pytest.raises(ValueError, match="no intensity"):
        intensity_spec(cicc)
    with pytest.raises(SpecError):
        load_spec("cicc-2024-intensity")


def test_statement_tests_need_their_fields():
    d = copy.deepcopy(TINY_SPEC)
    d["statements"] = [{"key": "x", "text": {"en": "x"},
                        "test": {"kind": "among_lowest", "unit": "USA", "node": "a",
                                 "among": ["b"]}}]
    with pytest.raises(SpecError, match="among"):
        spec_from_dict(d)
    d["statements"][0]["test"]["among"] = ["a", "nosuch"]
    with pytest.raises(SpecError, match="nosuch"):
        spec_from_dict(d)


# ---- the shipped builds -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cicc():
    return aidi.build("cicc-2024")


@pytest.fixture(scope="module")
def validity():
    return aidi.build("aidi-2024")


def test_calibration_procedure_refits_the_shipped_values(cicc):
    cal = calibrate_spec(cicc.result, leave_one_out=False)
    assert cal.n_free == 2 and (cal.n_fit, cal.n_test) == (5, 4)
    assert cal.matches_spec(), cal.summary()
    fit = cal.fit
    assert set(fit.loc[fit.role == "fit", "measure"]) == {"technology_activity",
                                                          "market_friendliness"}
    assert set(fit.loc[fit.role == "test", "measure"]) == {"index"}
    # the fitted predictions are the build's own numbers
    rel = cicc.relative()
    for r in fit.itertuples():
        assert r.with_shipped == pytest.approx(rel.loc[r.iso3, r.measure], abs=1e-9)
    assert cal.in_sample <= cal.all_printed <= cal.out_of_sample
    assert fit["loo"].isna().all()


@pytest.mark.slow
def test_leave_one_printed_value_out(cicc):
    cal = calibrate_spec(cicc.result)
    fit = cal.fit
    assert np.isfinite(fit["loo"]).all()
    assert cal.leave_one_out == pytest.approx((fit["loo"] - fit["published"]).abs().mean())
    assert "leave-one-out" in cal.summary()


def test_every_source_statement_is_tested_with_its_value(cicc, validity):
    for b in (cicc, validity):
        checks = check_statements(b.result, b.observations)
        assert len(checks) >= 15
        assert checks["holds"].notna().all()
        keys = set(checks["key"])
        assert {"tier1", "tier2", "india6", "weakest_hpc", "weakest_data_availability",
                "deployment_second", "frontier_close", "startups_third",
                "finance_lags"} <= keys
        row = checks.set_index("key").loc["startups_third"]
        rel = b.result.normalised["ai_startups"] / b.result.normalised.loc["USA", "ai_startups"]
        assert row["value"] == pytest.approx(rel["CHN"])
        assert bool(row["holds"]) == (rel["CHN"] < 1 / 3)
        held, tested, untestable = summary_counts(checks)
        assert tested == len(checks) and untestable == 0 and 0 < held < tested


def test_validity_spec_uses_no_saturated_or_stale_series(cicc, validity):
    health = indicator_health(validity.result)
    assert not health["stale"].any() and not health["saturated"].any(), health
    flagged = indicator_health(cicc.result).query("stale or saturated")["indicator"]
    assert set(flagged) == {"statistical_performance", "ai_strategy", "cybersecurity"}


def test_why_we_differ_is_exact_and_its_end_points_are_the_builds(cicc, validity):
    w = validity.why_we_differ()
    assert (w.spec_a, w.spec_b) == ("cicc-2024", "aidi-2024")
    assert w.check == pytest.approx(0.0, abs=1e-12)
    assert w.frame["check"].abs().max() < 1e-12
    assert set(w.players) >= {"diffusion", "policy", "defaults", "calibration"}
    assert "compute" not in w.players  # the same numbers in both specs: no difference
    china = w.printed.set_index(["iso3", "node"]).loc[("CHN", "index")]
    assert china["a"] == pytest.approx(cicc.relative().loc["CHN", "index"])
    assert china["b"] == pytest.approx(validity.relative().loc["CHN", "index"])
    parts = china[[f"part:{p}" for p in w.players]].astype(float)
    assert parts.sum() == pytest.approx(china["b_minus_a"], abs=1e-12)
    assert w.printed["gap_reason"].str.len().gt(0).all()


def test_hybrid_with_every_difference_is_the_other_spec(cicc, validity):
    a, b = cicc.spec, validity.spec
    names = players(a, b)
    empty = hybrid(a, b, set())
    assert empty.root == a.root and empty.calibration == a.calibration
    full = hybrid(a, b, set(names))
    assert sorted(i.id for i in full.indicators()) == sorted(i.id for i in b.indicators())
    assert full.defaults == b.defaults and full.calibration is None


@pytest.mark.slow
def test_no_g20_economy_is_unranked_in_any_edition():
    from aidi.analysis.flags import ranked_and_unranked

    for spec in ("aidi-2024", "cicc-2024"):
        for edition in ("2016", "2020", "2023", "latest"):
            b = aidi.build(spec, edition=edition, countries="G20")
            _, unranked = ranked_and_unranked(b.result, b.observations)
            assert unranked.empty, (spec, edition, unranked)


@pytest.mark.parametrize("name", ["cicc-2024", "aidi-2024-intensity"])
def test_other_shipped_specs_draw_no_failed_sample(name):
    res = aidi.build(name).uncertainty(n_samples=2000, seed=0)
    assert res.n_failed_samples == 0 and (res.summary()["n_failed"] == 0).all()


def test_why_is_written_beside_the_reproduction(validity, tmp_path):
    from aidi.report.why_differ import reproduction_with_why
    from aidi.report.writers import write_build_outputs

    w = validity.why_we_differ()
    bundle = validity.analyses(include=("tables", "reproduction", "statements", "why"))
    paths = write_build_outputs(bundle, tmp_path)
    rep = pd.read_csv(paths["reproduction"])
    assert {"value:cicc-2024", "value:aidi-2024", "difference:aidi-2024-cicc-2024",
            "gap_reason"} <= set(rep.columns)
    row = rep[(rep.iso3 == "CHN") & (rep.measure == "market_friendliness")].iloc[0]
    assert row["value:cicc-2024"] == pytest.approx(1.16, abs=0.01)
    merged = reproduction_with_why(pd.DataFrame({"iso3": ["X"], "measure": ["index"]}), w)
    assert len(merged) == 1  # a figure the split does not cover keeps its row
    checks = pd.read_csv(paths["reproduction_checks"])
    assert {"key", "holds", "value", "threshold", "statement_zh"} <= set(checks.columns)


def test_explorer_payload_carries_the_reproduction(validity):
    from aidi.explorer.export import build_payload

    payload = build_payload(validity, 20, world=False)
    assert payload["specs"] == {"this": "aidi-2024", "counterpart": "cicc-2024",
                                "default": "aidi-2024"}
    rep = payload["reproduction"]
    assert (rep["a"], rep["b"]) == ("cicc-2024", "aidi-2024")
    k = rep["iso3"].index("CHN")
    total = sum(rep["parts"][p][k] for p in rep["players"])
    assert total == pytest.approx(rep["value_b"][k] - rep["value_a"][k], abs=1e-12)
    assert rep["reason"]["zh"][k]
