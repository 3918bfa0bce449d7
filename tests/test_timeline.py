"""Yearly editions, pinned vintages, the timeline and the Shapley attribution of changes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import aidi
from aidi.analysis.attribution import (
    PARTS,
    Change,
    attribute,
    build_changes,
    diff,
    merge_changes,
    owen,
    shapley,
)
from aidi.api import load_spec
from aidi.errors import InputError, UsageError
from aidi.inputs.editions import edition_inputs
from aidi.over_time import build_edition, timeline
from aidi.specs.editions import (
    complete_years,
    edition_spec,
    latest_complete_year,
    moved,
    parse_edition,
)
from aidi.specs.loader import spec_from_dict
from aidi.specs.schema import YearRule

pytestmark = pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")


# ---- a tiny spec with known parts ------------------------------------------------------------------
def tiny(weights=(1.0, 1.0, 1.0), c_scale=1.0) -> aidi.specs.schema.IndexSpec:
    """Two economies, three indicators, plain weighted mean of raw values (no reference)."""
    inds = [{"id": i, "name": {"en": i}, "series": f"s.{i}", "weight": w}
            for i, w in zip("abc", weights, strict=True)]
    inds[2]["transform"] = {"kind": "level", "scale": c_scale}
    return spec_from_dict({
        "id": "tiny3", "name": {"en": "Tiny"}, "edition": "2024", "units": ["USA", "CHN"],
        "defaults": {"normalise": {"method": "none"}},
        "root": {"id": "index", "name": {"en": "Index"}, "children": inds}})


def tiny_obs(chn: tuple[float, float, float]) -> pd.DataFrame:
    rows = [(u, 2022, f"s.{k}", float(v)) for u, vals in (("USA", (1, 1, 1)), ("CHN", chn))
            for k, v in zip("abc", vals, strict=True)]
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value"])


def test_hand_computed_decomposition():
    """A: data (1, 2, 3), c as is, equal weights. B: data (4, 5, 3), c × 10 (methodology: a
    transform of c's series), a weighted 2 (weights). The eight corners for CHN (mean of w·x / Σw):
    ∅ 2, D 4, M 11, W 7/4, DM 13, DW 4, MW 8.5, DMW 10.75; so the total is 8.75 and
    φ_D = (4−2)/3 + (13−11)/6 + (4−7/4)/6 + (10.75−8.5)/3 = 2.125,
    φ_M = (11−2)/3 + (13−4)/6 + (8.5−7/4)/6 + (10.75−4)/3 = 7.875,
    φ_W = (7/4−2)/3 + (4−4)/6 + (8.5−11)/6 + (10.75−13)/3 = −1.25.
    Within data: a moves 3 (→ 1 at weight 1/3, 1.5 at weight 2/4), b moves 3 (→ 1, 3/4):
    data:a = 1/3 + 1/6 + 1.5/6 + 1.5/3 = 1.25, data:b = 1/3 + 1/6 + 0.75/6 + 0.75/3 = 0.875."""
    a = aidi.build(tiny(), data=tiny_obs((1, 2, 3)))
    b = aidi.build(tiny((2.0, 1.0, 1.0), c_scale=10.0), data=tiny_obs((4, 5, 3)))
    att = diff(a, b)
    r = att.of("CHN", "index")
    assert r["score_a"] == pytest.approx(2.0, abs=1e-12)
    assert r["score_b"] == pytest.approx(10.75, abs=1e-12)
    assert r["data"] == pytest.approx(2.125, abs=1e-12)
    assert r["methodology"] == pytest.approx(7.875, abs=1e-12)
    assert r["weights"] == pytest.approx(-1.25, abs=1e-12)
    assert r["data:a"] == pytest.approx(1.25, abs=1e-12)
    assert r["data:b"] == pytest.approx(0.875, abs=1e-12)
    kinds = {c.name: (c.part, c.kind) for c in att.changes}
    assert kinds == {"a": ("data", "data"), "b": ("data", "data"),
                     "c": ("methodology", "series_switch"), "weights": ("weights", "weights")}
    usa = att.of("USA", "index")  # USA's data never changes: no data part
    assert usa["data"] == pytest.approx(0.0, abs=1e-12)
    assert usa["change"] == pytest.approx(usa["methodology"] + usa["weights"], abs=1e-12)
    assert att.check == pytest.approx(0.0, abs=1e-12)
    rows = att.by_change("CHN").set_index("change")
    assert rows.loc["c", "value_a"] == 3 and rows.loc["c", "value_b"] == 30
    assert rows["contribution"].sum() == pytest.approx(8.75, abs=1e-12)


def _spec_pair():
    """Two specs on the same data: B replaces indicator c by d (same node), uses a geometric
    mean and weights a twice — the "why two specs differ" use of the engine."""
    a = tiny()
    inds = [*(i for i in a.indicators() if i.id != "c"),
            a.node("c").model_copy(update={"id": "d", "series": "s.d",
                                           "transform": aidi.specs.schema.Transform()})]
    root = a.root.model_copy(update={"children": tuple(inds), "aggregate": a.root.aggregate.
                                     model_copy(update={"method": "geometric"})})
    b = a.model_copy(update={"root": root})
    obs = pd.concat([tiny_obs((1, 2, 3)), pd.DataFrame(
        {"iso3": ["USA", "CHN"], "year": 2022, "series": "s.d", "value": [1.0, 6.0]})])
    return aidi.build(a, data=obs), aidi.build(b, data=obs).with_weights({"a": 2.0})


def test_two_specs_on_the_same_data_differ_by_methodology_and_weights_only():
    a, b = _spec_pair()
    att = attribute(a, b)
    kinds = {c.name: c.kind for c in att.changes}
    assert kinds == {"a": "data", "b": "data", "d": "enters", "c": "leaves",
                     "node:index": "node_method", "weights": "weights"}
    f = att.frame
    assert f["data"].abs().max() == 0.0                  # the same observations
    assert f["check"].abs().max() < 1e-12 and att.check < 1e-12
    meth = [c for c in f.columns if c.startswith("methodology:")]
    assert (f["methodology"] - f[meth].sum(axis=1)).abs().max() < 1e-12
    # merging the indicator swap keeps every part and sums to the methodology part
    merged = attribute(a, b, changes=merge_changes(build_changes(a, b),
                                                   {"indicator set": ["c", "d"]}))
    g = merged.frame
    np.testing.assert_allclose(g[list(PARTS)], f[list(PARTS)], atol=1e-12)
    cols = ["methodology:indicator set", "methodology:node:index"]
    assert (g["methodology"] - g[cols].sum(axis=1)).abs().max() < 1e-12


def test_a_dimension_whose_indicator_is_replaced_is_missing_in_between():
    """B replaces the only indicator of a dimension: in the mixes where c has left and d has
    not entered the dimension is a missing child; the parts still sum and the end points
    are the builds' own scores."""
    def spec(last: str):
        ind = {"id": last, "name": {"en": last}, "series": f"s.{last}"}
        return spec_from_dict({
            "id": "nested", "name": {"en": "N"}, "edition": "2024", "units": ["USA", "CHN"],
            "defaults": {"normalise": {"method": "none"}},
            "root": {"id": "index", "name": {"en": "I"}, "children": [
                {"id": "one", "name": {"en": "1"}, "children": [
                    {"id": "a", "name": {"en": "a"}, "series": "s.a"},
                    {"id": "b", "name": {"en": "b"}, "series": "s.b"}]},
                {"id": "two", "name": {"en": "2"}, "children": [ind]}]}})
    obs = pd.concat([tiny_obs((1, 2, 3)), pd.DataFrame(
        {"iso3": ["USA", "CHN"], "year": 2022, "series": "s.d", "value": [1.0, 7.0]})])
    a, b = aidi.build(spec("c"), data=obs), aidi.build(spec("d"), data=obs)
    att = attribute(a, b)
    assert {c.name: c.kind for c in att.changes if c.part == "methodology"} == {
        "d": "enters", "c": "leaves"}
    r = att.of("CHN")
    assert r["score_a"] == pytest.approx((1.5 + 3) / 2) and r["score_b"] == pytest.approx(4.25)
    # v(∅) 2.25; c gone alone: dimension two missing, the index is dimension one's 1.5;
    # d in alone: two = (3 + 7) / 2, index 3.25; both: 4.25 → φ_c = ((1.5 − 2.25) + (4.25 − 3.25)) / 2
    assert r["methodology:c"] == pytest.approx(0.125, abs=1e-12)
    assert r["methodology:d"] == pytest.approx(1.875, abs=1e-12)
    assert att.check < 1e-12 and abs(r["check"]) < 1e-12


def test_changes_must_cover_every_difference_once():
    a, b = _spec_pair()
    atoms = build_changes(a, b)
    with pytest.raises(InputError, match="no change switches"):
        attribute(a, b, changes=[c for c in atoms if c.name != "d"])
    twice = Change("again", "methodology", "indicator_method", cells=("c",))
    with pytest.raises(InputError, match="both"):
        attribute(a, b, changes=[*atoms, twice])
    with pytest.raises(InputError, match="mixes parts"):
        merge_changes(atoms, {"odd": ["a", "d"]})


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**31 - 1))
def test_owen_parts_sum_exactly(sizes, seed):
    """Random games: the groups' parts sum to v(all) − v(∅), each group's changes to its part —
    exact and sampled splits alike (a group larger than MAX_EXACT is sampled)."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    table = rng.normal(size=(1 << n, 2))
    starts = np.cumsum([0, *sizes])
    groups = [list(range(starts[i], starts[i + 1])) for i in range(len(sizes))]
    parts, per, _ = owen(groups, lambda m: table[m])
    np.testing.assert_allclose(sum(parts), table[-1] - table[0], atol=1e-12)
    for g, part in zip(groups, parts, strict=True):
        np.testing.assert_allclose(sum(per[k] for k in g), part, atol=1e-12)


def test_sampled_split_sums_exactly(monkeypatch):
    import aidi.analysis.attribution as attribution

    monkeypatch.setattr(attribution, "MAX_EXACT", 1)
    rng = np.random.default_rng(3)
    table = rng.normal(size=(1 << 4, 3))
    parts, per, how = owen([[0, 1, 2], [3]], lambda m: table[m])
    assert how == "sampled"
    np.testing.assert_allclose(sum(per[k] for k in (0, 1, 2)), parts[0], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_shapley_efficiency_and_symmetry(n, seed):
    """Σφ = v(all) − v(∅); a player whose switch never matters gets 0."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(1 << n, 3))
    phi = shapley(v)
    np.testing.assert_allclose(phi.sum(axis=0), v[-1] - v[0], atol=1e-12)
    dummy = v.copy()
    masks = np.arange(1 << n)
    dummy[masks | 1] = dummy[masks & ~1]          # player 0 changes nothing
    assert np.allclose(shapley(dummy)[0], 0.0, atol=1e-12)


# ---- editions of the spec -------------------------------------------------------------------------
def test_parse_edition():
    assert parse_edition(None) is None
    assert parse_edition(" LATEST ") == "latest"
    assert parse_edition(2023) == "2023"
    with pytest.raises(UsageError, match="vintage"):
        parse_edition("v3")


def test_moved_rules():
    assert moved(YearRule(start=2021, end=2023), -1) == YearRule(start=2020, end=2022)
    exact = moved(YearRule(rule="exact", start=2024, end=2024, fallback="none"), -3)
    assert (exact.start, exact.end) == (2021, 2021)
    since = moved(YearRule(rule="mean", start=2015, end=2023), -5, "end")
    assert (since.start, since.end) == (2015, 2018)
    empty = moved(YearRule(rule="mean", start=2015, end=2023), -10, "end")
    assert (empty.start, empty.end) == (2013, 2013)


def test_complete_years_by_coverage():
    obs = pd.DataFrame({"iso3": ["A", "B", "C", "A", "B", "A"], "year": [2020] * 3 + [2021] * 2
                        + [2022], "series": "s"})
    assert complete_years(obs, None, 0.6) == {"s": 2021}     # 2022: 1 of 3 < 60 %
    assert complete_years(obs, None, 0.3) == {"s": 2022}
    assert latest_complete_year(obs, ["s", "t"], None, 0.6) is None


def test_edition_spec_moves_windows_and_uses_stand_ins():
    spec = load_spec()
    same, notes = edition_spec(spec, "2024", pd.DataFrame())
    assert same is spec and not notes.fallbacks()
    e23, notes = edition_spec(spec, "2023", pd.DataFrame())
    rules = {i.id: e23.effective_years(i) for i in e23.indicators()}
    assert (rules["broadband"].start, rules["broadband"].end) == (2020, 2022)
    assert e23.node("ai_patents").series == "owid.cset.patents"
    assert e23.node("ai_patents").transform.kind == "level"
    inv = rules["ai_investment_cumulative"]
    assert (inv.rule, inv.start, inv.end) == ("mean", 2015, 2022)
    kinds = {i.indicator: i.fallback for i in notes.fallbacks()}
    assert kinds["ai_patents"] == "stand-in" and kinds["ai_startups"] == "missing"


def test_latest_ends_each_window_at_its_complete_year():
    spec = load_spec()
    ei = edition_inputs(spec, "latest")
    rules = {i.id: ei.spec.effective_years(i) for i in ei.spec.indicators()}
    years = complete_years(ei.observations, list(aidi.countries.TARGET_20), 0.8)
    assert rules["regulatory_quality"].end == years["wgi.rq.pctrank"]
    # a product ends at the earlier of its two series
    assert rules["internet_users"].end == min(years["gapminder.internet_users"],
                                              years["wdi.SP.POP.TOTL"])
    assert rules["ai_startups"].end == 2024
    assert ei.exposure_years == (years["un_ama.va.TVA"] - 2, years["un_ama.va.TVA"])


def test_flags_are_judged_against_each_editions_own_window():
    """Edition 2023's window is 2020–2022; `latest` ends where most windows end, so the 2019
    statistical-capacity scores it reads are stale even though its rule moved back to them.
    (cicc-2024 keeps that literal item; aidi-2024 replaced it by ODIN 2022 in issue 21.)"""
    from aidi.analysis import flags

    spec = load_spec("cicc-2024")
    e23, _ = edition_spec(spec, "2023", pd.DataFrame())
    assert (e23.defaults.years.start, e23.defaults.years.end) == (2020, 2022)
    b = build_edition(spec, "latest")
    window = b.spec.defaults.years
    rule = b.spec.effective_years(b.spec.node("statistical_performance"))
    assert rule.end < window.start
    stale = flags.flag_frames(b.result, b.observations)["stale"]
    assert stale["statistical_performance"].loc[["CHN", "USA"]].all()
    counts = flags.flag_counts(b.result, b.observations)
    assert counts["stale"] >= 20 and counts["cells"] == 380


def test_edition_2024_is_the_default_build():
    a, b = aidi.build(), build_edition(load_spec(), "2024")
    pd.testing.assert_frame_equal(a.relative(), b.relative(), check_exact=True)


# ---- the decomposition on the real data -----------------------------------------------------------
@pytest.fixture(scope="module")
def editions():
    spec = load_spec()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return build_edition(spec, "2023"), build_edition(spec, "2024")


def test_parts_sum_to_the_change_on_real_data(editions):
    a, b = editions
    spec = b.spec
    ind = spec.node("ai_compute_capacity")
    root = _with_indicator(spec.root, ind.model_copy(update={"transform": ind.transform.
                                                             model_copy(update={"kind": "log",
                                                                                "offset": 1.0})}))
    other = aidi.build(spec.model_copy(update={"root": root})).with_weights(
        {"compute": 2.0, "policy": 0.5})
    att = diff(a, other)
    f = att.frame
    assert len(f) == len(a.units) * len(spec.aggregates())
    assert f["check"].abs().max() < 1e-12
    dims = [c for c in f.columns if c.startswith("data:")]
    assert (f["data"] - f[dims].sum(axis=1)).abs().max() < 1e-12
    assert att.check < 1e-12                       # end points are the builds' own scores
    for part in PARTS:                              # each change set really moved something
        assert f[part].abs().max() > 1e-3


def test_indicators_entering_in_2024_are_methodology(editions):
    """2023 → 2024: the start-up total enters (a single-year figure earlier editions leave
    missing), patents and cumulative investment leave their stand-ins — all methodology; the
    regular move of every other window is data. (The AI-legislation count, which also entered
    in 2024, left aidi-2024 in issue 21: a count of laws is not a policy environment.)"""
    att = diff(*editions)
    kinds = {c.name: c.kind for c in att.changes if c.part == "methodology"}
    assert kinds == {"ai_startups": "enters", "ai_patents": "stand_in",
                     "ai_investment_cumulative": "stand_in"}
    f = att.frame
    assert f["check"].abs().max() < 1e-12 and f["weights"].abs().max() == 0.0
    chn = att.of("CHN")
    assert abs(chn["methodology"]) >= 0.01
    assert chn["methodology:ai_startups"] < 0
    meth = [c for c in f.columns if c.startswith("methodology:")]
    assert (f["methodology"] - f[meth].sum(axis=1)).abs().max() < 1e-12
    usa = att.of("USA")
    assert usa["change"] == 0.0


def _with_indicator(node, ind):
    from aidi.specs.schema import Node

    children = tuple(_with_indicator(c, ind) if isinstance(c, Node) else
                     (ind if c.id == ind.id else c) for c in node.children)
    return node.model_copy(update={"children": children})


# ---- pinned editions ------------------------------------------------------------------------------
@pytest.mark.slow
def test_edition_rebuilt_after_refresh_is_identical(tmp_path):
    from aidi.store.duckdb_store import Provenance, Store

    path = tmp_path / "store.duckdb"
    spec = load_spec()
    with Store.open(path) as s:
        obs = s.observations("snapshot")
    before = build_edition(spec, "2023", store=path)
    bb = obs[(obs["series"] == "wdi.IT.NET.BBND.P2") & (obs["iso3"] == "DEU")].copy()
    bb["value"] = bb["value"] * 1.5                # a publisher revises Germany's broadband
    with Store.open(path) as s:
        s.add_vintage(bb, Provenance(kind="refresh", label="simulated refresh"))
    after = build_edition(spec, "2023", store=path)
    assert before.relative().to_csv() == after.relative().to_csv()   # byte-identical
    latest = build_edition(spec, "2023", "latest", store=path)
    assert latest.relative().loc["DEU", "data"] > before.relative().loc["DEU", "data"] + 1e-3
    # an edition pinned on the refreshed data stays there after the next refresh
    with Store.open(path) as s:
        assert s.pin_edition("2025") == "edition-2025"
    pinned = build_edition(spec, "2025", store=path)
    bb["value"] = bb["value"] * 2.0
    with Store.open(path) as s:
        s.add_vintage(bb, Provenance(kind="refresh", label="second refresh"))
    again = build_edition(spec, "2025", store=path)
    assert pinned.relative().to_csv() == again.relative().to_csv()
    assert pinned.inputs.origin.startswith("store:edition-2025")


# ---- timeline and commands ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recent():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return timeline(start=2022)


def test_timeline_table(recent):
    tl = recent
    assert tl.editions == ("2022", "2023", "2024", "latest")
    f = tl.frame
    assert (f.loc[f["iso3"] == "USA", ["index", "index_chained", "index_fixed"]] == 1.0).all().all()
    assert f["coverage"].between(0, 1).all()
    assert f.loc[f["edition"] == "2023", "flags"].str.contains("stand-in=ai_patents").all()
    assert {"rank", "technology_activity", "compute", "broadband", "status", "reason",
            "break", "break_events", "data_change", "methodology_change"} <= set(f.columns)


def test_chained_series_carries_only_the_data_part(recent):
    """Anchored at the spec's own edition (2024, equal to the published index there); between
    consecutive editions the chained series moves by exactly the link's data part, so across a
    link without a break it moves exactly as the published one."""
    tl = recent
    pub, ch = tl.table("index"), tl.table("index", "chained")
    np.testing.assert_allclose(ch["2024"], pub["2024"], atol=1e-15)
    for lk in tl.comparable.links:
        part = lk.parts[lk.parts["node"] == "index"].set_index("iso3")["data"]
        step = (ch[lk.edition_to] - ch[lk.edition_from]).reindex(part.index)
        np.testing.assert_allclose(step, part, atol=1e-12)
        if not lk.is_break:
            moved = (pub[lk.edition_to] - pub[lk.edition_from]).reindex(part.index)
            np.testing.assert_allclose(step.dropna(), moved.dropna(), atol=1e-12)
    breaks = tl.comparable.breaks().set_index("edition")
    assert breaks.loc["2024", "break"] and not breaks.loc["2023", "break"]
    assert breaks.loc["2024", "n_events"] == 3  # start-ups enter, two stand-ins leave
    f = tl.frame.set_index(["iso3", "edition"])
    assert f.loc[("CHN", "2024"), "break"] and abs(f.loc[("CHN", "2024"), "methodology_change"]) >= 0.01
    # the fixed set leaves out every indicator an edition changes
    assert not {"ai_startups", "ai_legislation", "ai_patents"} & set(tl.comparable.fixed_indicators)


def test_chain_by_hand():
    """Published A: 2 → 3 → 5 across two links with data parts +0.5 and +1: anchored at the
    middle edition the chain is 2.5, 3, 4."""
    from aidi.analysis.comparable import Link, chain

    pub = pd.DataFrame({"iso3": "X", "node": "index", "edition": ["a", "b", "c"],
                        "value": [2.0, 3.0, 5.0]})

    def link(a, b, d):
        return Link(a, b, pd.DataFrame({"iso3": ["X"], "node": ["index"], "data": [d]}), ())

    out = chain(pub, [link("a", "b", 0.5), link("b", "c", 1.0)], ["a", "b", "c"], "b")
    assert out.set_index("edition")["value"].to_dict() == {"a": 2.5, "b": 3.0, "c": 4.0}


def test_every_economy_accounted_for_in_every_edition(recent):
    tl = recent
    acc = tl.accounting()
    for e in tl.editions:
        assert set(acc.loc[acc["edition"] == e, "iso3"]) == set(aidi.countries.TARGET_20)
    off = acc[acc["status"] != "ranked"]
    assert (off["reason"].str.len() > 0).all()
    assert off["index"].isna().all() and acc.loc[acc["status"] == "ranked", "index"].notna().all()
    back = tl.frame.drop_duplicates("edition").set_index("edition")["backcast"]
    assert back["2022"].startswith("backcast on the ") and back["2022"].endswith("snapshot")
    assert back["2024"] == "" and back["latest"] == ""


@pytest.mark.slow
def test_cli_timeline_and_diff(tmp_path):
    from aidi.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["timeline", "--from", "2022", "--to", "2023", "--out",
                              str(tmp_path / "tl")])
    assert res.exit_code == 0, res.output
    tl = pd.read_csv(tmp_path / "tl" / "timeline.csv")
    assert sorted(tl["edition"].astype(str).unique()) == ["2022", "2023"]
    for name in ("index", "pillars", "rank", "gap"):
        assert (tmp_path / "tl" / f"fig_timeline_{name}.png").stat().st_size > 10_000
        assert (tmp_path / "tl" / f"fig_timeline_{name}.svg").is_file()
    assert {"index_chained", "index_fixed", "break", "status", "reason"} <= set(tl.columns)
    acc = pd.read_csv(tmp_path / "tl" / "timeline_accounting.csv")
    assert set(acc["status"]) <= {"ranked", "unranked", "screened out", "not built"}
    assert "backcast on the" in res.output
    res = runner.invoke(app, ["diff", "2023", "2024", "--out", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "Largest moves" in res.output
    att = pd.read_csv(tmp_path / "d" / "attribution.csv")
    parts = att["data"] + att["methodology"] + att["weights"]
    assert (att["change"] - parts).abs().max() < 1e-9    # CSV keeps 10 significant digits
    assert (tmp_path / "d" / "fig_waterfall_CHN.png").is_file()
    events = pd.read_csv(tmp_path / "d" / "attribution_events.csv")
    chn = events[events["iso3"] == "CHN"].set_index("change")
    assert chn.loc["ai_startups", "kind"] == "enters"
    assert chn["contribution"].sum() == pytest.approx(
        att.query("iso3 == 'CHN' and node == 'index'")["change"].iloc[0], abs=1e-9)
    assert "What changed for China" in res.output
    bad = runner.invoke(app, ["diff", "v3", "2024", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0
