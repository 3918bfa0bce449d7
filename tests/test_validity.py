"""Validity of the index: coverage rules, per-cell flags, the unranked list, the generated
catalogue, the indicator review and the reproduction-honesty spread (issue #11)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aidi
from aidi.analysis import flags
from aidi.analysis.reproduction import compare, mad_spread
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.tables import scores_frame
from aidi.specs.loader import spec_from_dict

REPO = Path(__file__).resolve().parents[1]
COLS = ["iso3", "year", "series", "value", "unit", "source", "file"]

SPEC = {
    "id": "cov", "name": {"en": "Coverage"}, "reference": "USA", "units": ["USA", "CHN", "DEU"],
    "defaults": {"years": {"rule": "latest", "start": 2021, "end": 2023,
                           "fallback": "latest_earlier"}},
    "root": {"id": "index", "name": {"en": "Index"},
             "aggregate": {"method": "geometric", "dat_thresh": 1.0}, "standardise": "ratio",
             "children": [
                 {"id": "ta", "name": {"en": "TA"}, "standardise": "ratio",
                  "aggregate": {"dat_thresh": 0.6}, "children": [
                      {"id": "a", "name": {"en": "a"}, "series": "s.a"},
                      {"id": "b", "name": {"en": "b"}, "series": "s.b"}]},
                 {"id": "mf", "name": {"en": "MF"}, "standardise": "ratio", "children": [
                     {"id": "c", "name": {"en": "c"}, "series": "s.c"},
                     {"id": "d", "name": {"en": "d"}, "series": "s.d",
                      "impute": {"method": "median"}}]}]},
}


def _obs(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([(*r, "u", "test", "t.csv") for r in rows], columns=COLS)


def _tiny() -> pd.DataFrame:
    return _obs([
        ("USA", 2022, "s.a", 10.0), ("CHN", 2022, "s.a", 5.0), ("DEU", 2022, "s.a", 0.0),
        ("DEU", 2022, "s.a.zero_filled", 1.0),          # DEU's 0 was written by the reader
        ("USA", 2022, "s.b", 100.0), ("CHN", 2022, "s.b", 300.0),   # DEU has no b
        ("USA", 2022, "s.c", 2.0), ("CHN", 2019, "s.c", 4.0), ("DEU", 2022, "s.c", 1.0),
        ("USA", 2022, "s.d", 1.0), ("DEU", 2022, "s.d", 3.0),        # CHN's d is imputed
    ])


@pytest.fixture(scope="module")
def tiny():
    return aidi.build(spec_from_dict(SPEC), data=_tiny())


def test_below_threshold_node_is_missing_and_unit_listed_unranked(tiny):
    s = tiny.scores
    # DEU has 1 of TA's 2 children (50 % < 60 %): TA missing, so the index (needs both) too
    assert np.isnan(s.loc["DEU", "ta"]) and np.isnan(s.loc["DEU", "index"])
    assert np.isnan(tiny.ranks.loc["DEU", "index"])
    # by hand, ratio to USA: TA(CHN) = mean(5/10, 300/100) = 1.75; MF(CHN) = mean(4/2, 2/1) = 2
    # (d imputed with the median of USA 1 and DEU 3 = 2); index = √(1.75 × 2)
    assert s.loc["CHN", "ta"] == pytest.approx(1.75)
    assert s.loc["CHN", "mf"] == pytest.approx(2.0)
    assert s.loc["CHN", "index"] == pytest.approx(np.sqrt(3.5))
    ranked, unranked = flags.ranked_and_unranked(tiny.result, tiny.observations)
    assert list(ranked["iso3"]) == ["CHN", "USA"] and list(ranked["rank"]) == [1, 2]
    assert list(unranked["iso3"]) == ["DEU"]
    assert "ta missing (1 of 2 present, needs 60%; no b)" in unranked["reason"].iloc[0]


def test_every_kind_of_cell_is_flagged(tiny):
    f = flags.flag_frames(tiny.result, tiny.observations)
    expected = {
        "zero_filled": {("DEU", "a")},
        "imputed": {("CHN", "d")},
        "carried_forward": {("CHN", "c")},
        "out_of_window": {("CHN", "c")},       # 2019 is before the 2021–2023 window
        "stale": {("CHN", "c")},               # … entirely: its newest year is 2019
    }
    for flag, cells in expected.items():
        got = {(u, i) for (u, i), v in f[flag].stack().items() if v}
        assert got == cells, flag
    labels = flags.cell_flag_labels(tiny.result, tiny.observations)
    assert labels.loc["CHN", "c"] == "carried_forward;stale;out_of_window"
    counts = flags.flag_counts(tiny.result, tiny.observations)
    assert counts["cells"] == 12 and counts["stale"] == 1 and counts["zero_filled"] == 1
    cov = flags.coverage(tiny.result, tiny.observations)
    assert cov["CHN"] == pytest.approx(3 / 4) and cov["USA"] == 1.0 and cov["DEU"] == 0.75


def test_scores_table_has_coverage_and_flags(tiny):
    frame = scores_frame(tiny.result, tiny.observations).set_index("iso3")
    assert {"coverage", "flags"} <= set(frame.columns)
    assert pd.isna(frame.loc["DEU", "rank"])
    assert frame.loc["DEU", "flags"].startswith("unranked: ta missing")
    assert "zero_filled:1" in frame.loc["DEU", "flags"]
    assert frame.loc["CHN", "flags"] == "imputed:1; carried_forward:1; stale:1; out_of_window:1"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.booleans(), min_size=9, max_size=9))
def test_no_unit_is_ranked_without_both_pillars(missing):
    """Whatever cells are missing, a ranked unit has both pillars and every unit is either
    ranked or listed; every cell filled by imputation is flagged."""
    rows = []
    cells = [(u, s) for u in ("CHN", "DEU", "FRA") for s in ("s.a", "s.b", "s.c")]
    for (u, s), gone in zip(cells, missing, strict=True):
        if not gone:
            rows.append((u, 2022, s, 1.0 + len(rows)))
    rows += [("USA", 2022, s, 5.0) for s in ("s.a", "s.b", "s.c", "s.d")]
    rows += [(u, 2022, "s.d", 2.0) for u in ("CHN", "DEU", "FRA")]  # every unit has data
    spec = spec_from_dict({**SPEC, "units": ["USA", "CHN", "DEU", "FRA"]})
    b = aidi.build(spec, data=_obs(rows))
    ranked, unranked = flags.ranked_and_unranked(b.result, b.observations)
    assert set(ranked["iso3"]) | set(unranked["iso3"]) == set(b.units)
    assert not set(ranked["iso3"]) & set(unranked["iso3"])
    for u in ranked["iso3"]:
        assert np.isfinite(b.scores.loc[u, ["ta", "mf"]].to_numpy(dtype=float)).all()
    filled = b.result.data.isna() & b.result.imputed.notna()
    assert (flags.flag_frames(b.result, b.observations)["imputed"] | ~filled).all().all()


# ---- the shipped spec and snapshot ------------------------------------------------------------
@pytest.fixture(scope="module")
def wide():
    return aidi.build(countries="all")


def test_all_countries_ranks_no_economy_missing_a_pillar(wide):
    pillars = [c for c in wide.result.tree.nodes[-1].children]
    ranked, unranked = flags.ranked_and_unranked(wide.result, wide.observations)
    rel = wide.relative()
    for u in ranked["iso3"]:
        assert np.isfinite(rel.loc[u, pillars].to_numpy(dtype=float)).all(), u
    lacking = [u for u in wide.units if not np.isfinite(rel.loc[u, pillars]).all()]
    assert lacking and set(lacking) <= set(unranked["iso3"])
    assert set(wide.result.screened_out) <= set(unranked["iso3"])
    # the economies the issue found ranked on partial pillars are listed, not ranked
    for u in ("SWE", "GRC", "LTU"):
        assert u in set(unranked["iso3"]) and u not in set(ranked["iso3"])


def test_every_imputed_or_zero_filled_cell_is_flagged(wide):
    res, obs = wide.result, wide.observations
    f = flags.flag_frames(res, obs)
    log = wide.log[wide.log["unit"].isin(res.units)]  # select also logs screened-out units
    for r in log[log["code"] == "imputed"].itertuples():
        assert f["imputed"].loc[r.unit, r.indicator]
    for r in log[log["code"] == "carried_forward"].itertuples():
        assert f["carried_forward"].loc[r.unit, r.indicator]
    # zero-filled / bounded cells, found independently with a merge on the exact year used
    for suffix, flag in ((".zero_filled", "zero_filled"), (".upper_bound", "imputed")):
        n_checked = 0
        for ind in res.spec.indicators():
            if res.spec.effective_years(ind).rule == "mean":
                continue
            marks = obs[obs["series"] == ind.series + suffix][["iso3", "year"]]
            used = res.year_to[ind.id].dropna().astype(int).rename("year").reset_index()
            used = used.rename(columns={"index": "iso3"})
            hit = used.merge(marks, on=["iso3", "year"])
            for u in hit["iso3"]:
                assert f[flag].loc[u, ind.id], (flag, u, ind.id)
                n_checked += 1
        assert n_checked > 0, suffix
    # a bounded robot value is never counted as measured data
    cov = flags.coverage(res, obs)
    assert (cov <= 1).all() and (cov[f["imputed"].any(axis=1)] < 1).all()


def test_robot_bound_is_the_smallest_listed_value():
    from aidi.store.snapshot import load_observations

    obs = load_observations()
    s = "stanford.robots.installations"
    y23 = obs[(obs["series"] == s) & (obs["year"] == 2023)]
    marked = set(obs.loc[obs["series"] == s + ".upper_bound", "iso3"])
    listed = y23[~y23["iso3"].isin(marked)]
    assert len(listed) == 15 and "THA" in set(listed["iso3"])
    bound = y23[y23["iso3"].isin(marked)]["value"].unique()
    assert list(bound) == [listed["value"].min()]


def test_catalogue_is_generated_from_the_snapshot():
    from aidi.store.catalogue import render_catalogue

    committed = (REPO / "docs" / "data_catalogue.md").read_text(encoding="utf-8")
    assert committed == render_catalogue(), "run `aidi data catalogue` to regenerate"
    assert "`epoch.models.robotics`" in committed


def test_every_indicator_has_a_validity_entry(default_build):
    text = (REPO / "docs" / "methodology.md").read_text(encoding="utf-8")
    review = text.split("## 2. Indicator review", 1)
    assert len(review) == 2, "docs/methodology.md lacks the indicator review section"
    body = review[1].split("\n## 3.", 1)[0]
    entries = set(re.findall(r"^\| \*\*`([a-z_]+)`\*\*", body, flags=re.M))
    spec_ids = {i.id for i in default_build.spec.indicators()}
    assert spec_ids <= entries, sorted(spec_ids - entries)


def test_mad_spread_is_the_nominal_mad_when_nothing_varies(default_build):
    b = default_build
    nominal = mad_spread(b.result, 8, seed=2, config=UncertaintyConfig.nominal())
    assert nominal.nominal == pytest.approx(compare(b.result).mean_abs_difference)
    assert np.allclose(nominal.samples, nominal.nominal)
    spread = mad_spread(b.result, 200, seed=2)
    lo, med, hi = spread.quantiles
    assert lo <= med <= hi and spread.n_failed + len(spread.samples) == 200
    assert mad_spread(b.result, 200, seed=2).samples.tolist() == spread.samples.tolist()
    from aidi.report.translations import t

    en, zh = (t(spread.SENTENCE_KEY, lang, **spread.fmt()) for lang in ("en", "zh"))
    assert "in-sample" in en and "样本内" in zh and f"{hi:.3f}" in en and f"{lo:.3f}" in zh


def test_flags_come_from_the_builds_own_observations(tmp_path):
    """A build on data without the reader's zero-fill markers has no zero-filled cell, in the
    flag frames and in the written scores table alike — the shipped snapshot's markers (the
    data of a default build) are never read in their place."""
    from aidi.report.writers import write_build_outputs

    default = aidi.build()
    obs = default.observations
    marker = obs["series"].str.endswith(".zero_filled")
    assert flags.flag_frames(default.result, obs)["zero_filled"].to_numpy().any()
    own = aidi.build(data=obs[~marker])
    assert not flags.flag_frames(own.result, own.observations)["zero_filled"].to_numpy().any()
    written = write_build_outputs(own.analyses(include=("tables",)), tmp_path)
    table = pd.read_csv(written["scores"])
    assert not table["flags"].fillna("").str.contains("zero_filled").any()
    assert "zero_filled" in scores_frame(default.result, obs)["flags"].str.cat()
