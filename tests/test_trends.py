"""Trend analyses (issue #15): fits recover known parameters, claims come from the snapshot,
`aidi trends` runs end to end, the trends snapshot rebuilds byte-identically."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aidi.analysis.trends import trends
from aidi.analysis.trends.claims import CLAIMS, EVALUATIONS
from aidi.analysis.trends.fits import (
    LOG2,
    batch_lm,
    doubling_months,
    fit_curve,
    loglinear,
    segmented,
)
from aidi.store.trends_snapshot import build_trends_snapshot, load_trends_manifest, trends_dir
from tests.conftest import raw_dir

N_BOOT = 10


def _two_eras(seed: int, n: int = 400, tau: float = 2010.0, pre: float = 21.6,
              post: float = 6.0, noise: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """log10(y) continuous at tau, doubling every `pre` months before and `post` after."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(1960, 2024, n))
    ly = 3.0 + np.where(x < tau, (x - tau) * 12 * LOG2 / pre, (x - tau) * 12 * LOG2 / post)
    return x, 10 ** (ly + rng.normal(0, noise, n))


# --------------------------------------------------------------------------- fits

def test_doubling_months_hand_computed():
    assert doubling_months(LOG2) == pytest.approx(12.0)         # ×2 a year → 12 months
    assert doubling_months(2 * LOG2) == pytest.approx(6.0)
    assert doubling_months(-0.1) == math.inf


def test_loglinear_exact_line_and_interval():
    x = np.arange(2000, 2011, dtype=float)
    exact = loglinear(x, 5 * 2.0 ** ((x - 2000) / 0.5), n_boot=N_BOOT)  # doubling: 6 months
    assert exact.doubling_months == pytest.approx(6.0)
    assert exact.doubling_ci == pytest.approx((6.0, 6.0))
    xs, y = _two_eras(1)
    post = xs >= 2010
    fit = loglinear(xs[post], y[post], n_boot=200, seed=3)
    lo, hi = fit.doubling_ci
    assert lo <= 6.0 <= hi and hi - lo < 2.0


def test_segmented_recovers_break_and_both_doubling_times():
    x, y = _two_eras(7)
    fit = segmented(x, y, n_boot=200, seed=0)
    lo, hi = fit.break_ci
    assert lo <= 2010.0 <= hi and abs(fit.break_year - 2010) < 2
    for part, truth in (("pre", 21.6), ("post", 6.0)):
        d_lo, d_hi = fit.doubling_ci(part)
        assert d_lo <= truth <= d_hi, (part, fit.doubling(part), d_lo, d_hi)
    # the profile is minimal at the estimate
    assert fit.grid[np.argmin(fit.profile_sse)] == pytest.approx(fit.break_year)


def test_segmented_break_moves_with_the_data():
    x, y = _two_eras(2, tau=2016.0, noise=0.2)
    assert abs(segmented(x, y, n_boot=N_BOOT).break_year - 2016.0) < 1.0


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(1e-6, 1e6), shift=st.floats(-50, 50))
def test_loglinear_slope_ignores_units_and_origin(scale, shift):
    x, y = _two_eras(5, n=60)
    a = loglinear(x, y, n_boot=N_BOOT, seed=1)
    b = loglinear(x + shift, y * scale, n_boot=N_BOOT, seed=1)
    assert b.slope == pytest.approx(a.slope, rel=1e-7)
    np.testing.assert_allclose(b.slope_boot, a.slope_boot, rtol=1e-6)


def test_logistic_recovers_inflection_within_interval_and_hand_landmarks():
    rng = np.random.default_rng(4)
    t = np.arange(1900.0, 1961.0)
    k, r, t0 = 90.0, 0.2, 1925.0
    fit = fit_curve("logistic", t, k / (1 + np.exp(-r * (t - t0))) + rng.normal(0, 2, t.size),
                    n_boot=200, seed=0)
    marks = fit.landmarks((70.0,))
    est, lo, hi = marks["inflection_year"]
    assert lo <= t0 <= hi and abs(est - t0) < 1
    # second inflection of a logistic: t0 + ln(2 + √3)/r at K(3 + √3)/6 ≈ 78.9 % of K
    second = t0 + math.log(2 + math.sqrt(3)) / r
    s_est, s_lo, s_hi = marks["second_inflection_year"]
    assert s_lo - 0.2 <= second <= s_hi + 0.2
    assert marks["second_inflection_level"][0] / marks["saturation"][0] == pytest.approx(
        (3 + math.sqrt(3)) / 6, abs=0.01)
    y70 = t0 - math.log(k / 70 - 1) / r
    assert marks["year_at_70"][1] - 0.2 <= y70 <= marks["year_at_70"][2] + 0.2


def test_short_exponential_series_has_no_identified_saturation():
    t = np.arange(2010.0, 2020.0)
    fit = fit_curve("logistic", t, 3.0 * 1.5 ** (t - 2010), k_max=20 * 3 * 1.5 ** 9,
                    n_boot=N_BOOT)
    marks = fit.landmarks()
    assert "K" in fit.at_bound or marks["inflection_year"][0] > t.max()


def test_batch_lm_fits_many_series_at_once():
    from aidi.analysis.trends.fits import CURVES

    t = np.linspace(0, 30, 40)
    truth = np.array([[80.0, 0.4, 12.0], [60.0, 0.3, 18.0], [95.0, 0.5, 9.0]])
    y = CURVES["gompertz"].f(t, truth)
    start = np.array([70.0, 0.35, 14.0])
    got = batch_lm(CURVES["gompertz"].f, t, y, start, np.array([10, 0.01, -10.0]),
                   np.array([200, 3, 50.0]), iters=200)
    np.testing.assert_allclose(got, truth, rtol=1e-3)


# --------------------------------------------------------------------------- claims

@pytest.fixture(scope="module")
def result():
    return trends(seed=0, n_boot=N_BOOT)


def test_claims_table_covers_every_typed_claim(result):
    c = result.claims
    assert list(c["claim_id"]) == [cl.id for cl in CLAIMS] == list(EVALUATIONS)
    assert set(c["verdict"]) <= {"holds", "consistent_weakly", "partly", "does_not_hold",
                                 "not_testable", "not_located"}
    assert c["estimate"].notna().all()
    assert (c["tested"].str.len() > 20).all()           # every row says what is tested
    post = result.compute_fits.query("scope == 'all_notable' and segment == 'post'").iloc[0]
    row = c.set_index("claim_id").loc["compute.doubling_post2010"]
    assert row["estimate"] == post["doubling_months"]
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]


def test_verdicts_need_an_interval_inside_the_band():
    """≈ 10 ± 25 %: an interval inside 7.5–12.5 holds; one overlapping it but wider is only
    consistent, weakly; one outside it does not hold; no interval, not located."""
    from aidi.analysis.trends.claims import Claim, _interval_verdict

    c = Claim("x", "", "", "", 10.0, "u", 0.25)
    assert _interval_verdict(c, 10.0, 8.0, 12.0) == "holds"
    assert _interval_verdict(c, 11.0, 7.0, 12.0) == "consistent_weakly"
    assert _interval_verdict(c, 10.0, 1.0, 1e4) == "consistent_weakly"
    assert _interval_verdict(c, 14.0, 13.0, 15.0) == "does_not_hold"
    assert _interval_verdict(c, 10.0, float("nan"), 12.0) == "not_located"
    ratio = Claim("y", "", "", "", 3.5e8, "×", 1.0, "ratio")
    assert ratio.band() == (1.75e8, 7e8)


def test_gpt3_claims_are_tested_the_way_the_source_means_them(result):
    """2020: GPT-3 itself, at Epoch's cloud price; 2022 and the yearly decline are about a
    level of capability, which these data cannot test — the rows say so, with the closest
    figure and what would be needed. The 13-year growth's wide interval is only consistent."""
    c = result.claims.set_index("claim_id")
    gpt3 = result.models[result.models["model"] == "GPT-3 175B (davinci)"].iloc[0]
    assert c.loc["cost.gpt3_2020", "estimate"] == gpt3["cost_cloud_usd"]
    assert c.loc["cost.gpt3_2020", "verdict"] == "holds"
    assert abs(gpt3["cost_cloud_usd"] / 4.6e6 - 1) < 0.05
    for cid in ("cost.gpt3_2022", "cost.annual_decline"):
        row = c.loc[cid]
        assert row["verdict"] == "not_testable"
        assert "capability" in row["needed"] and row["closest"]
    growth = c.loc["compute.growth_13y"]
    assert growth["ci_high"] / growth["ci_low"] > 100
    assert growth["verdict"] == "consistent_weakly"


def test_claims_follow_the_snapshot_not_typed_estimates(tmp_path, result):
    """Replace the models in a copy of the snapshot by a known two-era trend: the claims'
    compute estimates must follow the data."""
    folder = tmp_path / "trends"
    shutil.copytree(trends_dir(), folder)
    models = pd.read_csv(folder / "models.csv.gz")
    x, y = _two_eras(11, n=len(models), tau=2014.0, pre=30.0, post=4.0, noise=0.3)
    models["year"], models["compute_flop"] = x, y
    models.to_csv(folder / "models.csv.gz", index=False, compression="gzip")
    new = trends(seed=0, n_boot=N_BOOT, data=folder).claims.set_index("claim_id")
    old = result.claims.set_index("claim_id")
    post = new.loc["compute.doubling_post2010"]
    assert post["ci_low"] - 0.3 <= 4.0 <= post["ci_high"] + 0.3
    assert abs(new.loc["compute.break_year", "estimate"] - 2014.0) < 1.5
    assert post["estimate"] != old.loc["compute.doubling_post2010", "estimate"]
    # claims not about compute are unchanged
    assert new.loc["genai.share_2023", "estimate"] == old.loc["genai.share_2023", "estimate"]


def test_fits_are_deterministic_for_a_seed(result):
    from aidi.analysis.trends import compute

    again, _, _ = compute.compute_trends(result.models, n_boot=N_BOOT, seed=0)
    pd.testing.assert_frame_equal(again, result.compute_fits)
    other, _, _ = compute.compute_trends(result.models, n_boot=N_BOOT, seed=1)
    assert not other["doubling_lo"].equals(result.compute_fits["doubling_lo"])


# --------------------------------------------------------------------------- CLI, snapshot

@pytest.mark.slow
def test_cli_trends_end_to_end(tmp_path):
    from aidi.cli import app

    out = tmp_path / "t"
    res = CliRunner().invoke(app, ["trends", "--out", str(out), "--bootstrap", str(N_BOOT),
                                   "--lang", "zh", "--seed", "1"])
    assert res.exit_code == 0, res.output
    claims = pd.read_csv(out / "claims.csv")
    assert len(claims) == len(CLAIMS) and "claim_zh" in claims
    page = (out / "trends.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 7 and "src=" not in page and "原文判断" in page
    for key in ("compute", "domains", "adoption", "rule", "cost", "investment", "capacity"):
        assert (out / f"fig_trends_{key}.png").stat().st_size > 10_000
    assert (out / "trends_adoption_fits.csv").is_file()


def test_cli_rejects_unknown_language(tmp_path):
    from aidi.cli import app

    res = CliRunner().invoke(app, ["trends", "--out", str(tmp_path), "--lang", "fr"])
    assert res.exit_code == 2


def test_shipped_trends_snapshot_is_small_and_has_provenance():
    folder = trends_dir()
    manifest = load_trends_manifest()
    total = sum((folder / name).stat().st_size for name in manifest["outputs"])
    assert total < 1_000_000
    for name in manifest["rows"]:
        table = pd.read_csv(folder / f"{name}.csv.gz")
        assert {"source", "file"} <= set(table.columns) and len(table) == manifest["rows"][name]


@pytest.mark.skipif(raw_dir() is None, reason="raw data (../shared/data/raw) not present")
def test_trends_snapshot_rebuild_is_byte_identical(tmp_path):
    build_trends_snapshot(raw_dir(), tmp_path)
    for file in sorted(p.name for p in trends_dir().iterdir() if p.is_file()):
        assert (tmp_path / file).read_bytes() == (trends_dir() / file).read_bytes(), file
