"""The uncertainty factors over the methods catalogue (issue #16, item 6): alternatives by aidi's
or COINr's name, per-level weight factors, categorical factors in a scrambled Sobol design
(exact balance on the design's grid), pillar outputs, the convergence analysis, and the
pipeline's two leftovers (row imputation's directions, the generalised mean's contributions).

Every batch number is checked against a full rebuild (`naive_evaluate`), the arithmetic of the
leftovers by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.analyze import sobol as salib_sobol
from scipy.stats import qmc

from aidi.analysis.robustness.choices import (
    resolve_aggregation,
    resolve_imputation,
    resolve_normalisation,
)
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.evaluate import GENMEAN_FAILURE
from aidi.analysis.robustness.oracle import naive_evaluate
from aidi.analysis.sensitivity import (
    convergence_sizes,
    convergence_summary,
    run_sensitivity,
    salib_problem,
    sobol_convergence,
)
from aidi.analysis.sobol import saltelli_sample, sobol_indices
from aidi.engine.pipeline import build, prepare
from aidi.specs.loader import spec_from_dict
from tests._robustness_data import synthetic_api_build, synthetic_build, synthetic_spec_dict

TOL = 1e-12


@pytest.fixture(scope="module")
def syn():
    return synthetic_build(zeros=False)


def _level_row(design, **levels: int) -> np.ndarray:
    """One input row: discrete factors at the given level (default 0), weights at nominal."""
    row = np.full(design.n_vars, 0.5)
    for f in design.factors:
        if f.discrete:
            row[f.columns[0]] = (levels.get(f.name, 0) + 0.5) / len(f.levels)
    return row


def _agree(design, result, obs, u, nodes=None) -> None:
    fast = design.evaluate(u, nodes)
    slow = naive_evaluate(design, result, obs, u, nodes)
    np.testing.assert_array_equal(fast.failure > 0, slow.failure > 0)
    ok = fast.failure == 0
    np.testing.assert_allclose(fast.index[ok], slow.index[ok], rtol=0, atol=TOL)
    np.testing.assert_array_equal(fast.rank[ok], slow.rank[ok])
    if nodes is not None:
        np.testing.assert_allclose(fast.nodes[ok], slow.nodes[ok], rtol=0, atol=TOL)


# ---- alternatives by name ------------------------------------------------------------------------
def test_names_resolve_to_catalogue_settings_with_coinr_defaults():
    label, n, named = resolve_normalisation("n_prank")
    assert (label, n.method, named) == ("n_prank", "prank", True)
    assert resolve_normalisation("n_rank")[1].ties == "min"  # COINr's n_rank: sport ranking
    assert resolve_normalisation("n_dist2max")[1].model_dump(include={"method", "low", "high"}) \
        == {"method": "minmax", "low": 0.0, "high": 1.0}
    label, n, named = resolve_normalisation({"f_n": "n_zscore", "f_n_para": {"m_sd": [5, 3]}})
    assert (label, n.mean, n.sd, named) == ("zscore(mean=5, sd=3)", 5.0, 3.0, False)
    assert resolve_normalisation("minmax")[1].low == 1.0  # aidi's preset, positive
    label, a = resolve_aggregation({"f_ag": "a_genmean", "f_ag_para": {"p": 2}})
    assert (label, a.method, a.p) == ("genmean(p=2)", "genmean", 2.0)
    assert resolve_aggregation("a_copeland")[1].method == "copeland"
    assert resolve_imputation("knn") == ("knn", "knn")  # aidi's name: the method only
    label, imp = resolve_imputation({"f_i": "i_median_grp", "use_group": "region"})
    assert (imp.method, imp.group) == ("median", "region")
    assert resolve_imputation("i_mean")[1].group is None  # COINr's i_mean: no group


@pytest.mark.parametrize("bad, match", [
    ("n_goalposts", "needs parameters"), ("genmean", "exponent p"),
    ("n_nosuch", "unknown normalisation"), ("a_nosuch", "unknown aggregation"),
    ("i_mean_grp", "use_group"), ({"f_n": "n_zscore", "f_n_para": {"m_sd": [1, -1]}}, "sd")])
def test_names_that_cannot_work_are_refused_with_the_fix(bad, match):
    kind = "imputations" if str(bad).startswith("i_") else (
        "aggregations" if str(bad) in ("genmean", "a_nosuch") else "normalisations")
    with pytest.raises(ValueError, match=match):
        UncertaintyConfig(**{kind: (bad,)})


def test_coinr_names_stay_positive_where_a_geometric_mean_follows(syn):
    _, _, result = syn  # the synthetic index is a geometric mean of its pillars
    d = build_design(result, UncertaintyConfig(normalisations=("n_minmax", "n_zscore",
                                                                "n_prank"), aggregations=()))
    by = dict(zip(d.normalisation_levels, d.normalisation_settings, strict=True))
    assert (by["n_minmax"].low, by["n_minmax"].high) == (1.0, 100.0)
    assert (by["n_zscore"].mean, by["n_zscore"].sd) == (10.0, 2.0)
    assert any("n_prank" in n and "worst unit 0" in n for n in d.notes)
    # an all-arithmetic tree keeps COINr's defaults
    spec_dict = synthetic_spec_dict()
    spec_dict["root"]["aggregate"] = {"method": "arithmetic"}
    spec = spec_from_dict(spec_dict)
    arith = build(spec, syn[1])
    d2 = build_design(arith, UncertaintyConfig(normalisations=("n_minmax",), aggregations=()))
    n = d2.normalisation_settings[1]
    assert (n.low, n.high) == (0.0, 100.0)


def test_every_catalogue_level_equals_a_rebuild(syn):
    spec, obs, result = syn
    config = UncertaintyConfig(
        weights="off", leave_one_out=False,
        normalisations=("n_prank", "n_borda", "n_rank", "n_minmax",
                        {"f_n": "n_zscore", "f_n_para": {"m_sd": [10, 1]}}, "n_fracmax"),
        aggregations=("harmonic", {"f_ag": "a_genmean", "f_ag_para": {"p": 2}},
                      {"method": "genmean", "p": -2}, "a_copeland", "mpi"),
        aggregation_scope="all",
        imputations=("mean", "i_median", "knn", "iterative", {"method": "knn", "n_neighbors": 2},
                     "row_mean"), exclude_impossible=False)
    d = build_design(result, config)
    assert {"n_prank", "n_borda", "n_rank", "n_fracmax"} <= set(d.normalisation_levels)
    assert {"genmean(p=2)", "genmean(p=-2)", "a_copeland", "mpi"} <= set(d.aggregation_levels)
    assert {"knn", "iterative", "knn(n_neighbors=2)", "row_mean"} <= set(d.imputation_levels)
    rows = [_level_row(d)]
    for f in d.factors:
        rows += [_level_row(d, **{f.name: k}) for k in range(1, len(f.levels))]
    rows += list(np.random.default_rng(5).random((6, d.n_vars)))
    _agree(d, result, obs, np.vstack(rows), nodes="pillars")


def test_genmean_levels_reproduce_arithmetic_and_harmonic_by_hand(syn):
    """p = 1 is the arithmetic mean and p = −1 the harmonic (COINr's a_genmean doc)."""
    _, _, result = syn
    d = build_design(result, UncertaintyConfig(
        weights="off", normalisations=(), imputations=(), leave_one_out=False,
        aggregations=("arithmetic", "harmonic", {"method": "genmean", "p": 1},
                      {"method": "genmean", "p": -1})))
    lv = {name: k for k, name in enumerate(d.aggregation_levels)}
    assert "arithmetic" not in lv  # the pillars are arithmetic already: the spec's level
    lv["arithmetic"] = 0
    u = np.vstack([_level_row(d, aggregation=lv[n]) for n in
                   ("arithmetic", "genmean(p=1)", "harmonic", "genmean(p=-1)")])
    idx = d.evaluate(u).index
    np.testing.assert_allclose(idx[1], idx[0], rtol=1e-12)
    np.testing.assert_allclose(idx[3], idx[2], rtol=1e-12)
    tree = d.aggregation_trees[lv["genmean(p=-1)"]]
    pillar = tree.nodes[tree.aggregate_ids.index("tech")]
    assert (pillar.method, pillar.params) == ("genmean", (("p", -1.0),))


def test_a_genmean_meeting_a_zero_fails_only_its_samples():
    spec, obs, result = synthetic_build(zeros=True)  # two economies have no compute
    d = build_design(result, UncertaintyConfig(
        weights="off", imputations=(), leave_one_out=False, aggregation_scope="all",
        normalisations=("n_minmax",), aggregations=({"method": "genmean", "p": -1},),
        exclude_impossible=False))
    u = np.vstack([_level_row(d, aggregation=a, normalisation=k)
                   for a in (0, 1) for k in (0, 1)])
    out = d.evaluate(u)
    code = d.failure_reasons.index(GENMEAN_FAILURE)
    assert out.failure[2] == code and out.failure[3] == 0  # frontier zeros fail; [1, 100] do not
    assert np.isfinite(out.index[[0, 1, 3]]).all()
    _agree(d, result, obs, u)


def test_open_imputations_swap_but_a_known_bound_stays(syn):
    _, _, result = syn
    d = build_design(result, UncertaintyConfig(
        weights="off", normalisations=(), aggregations=(), leave_one_out=False,
        imputations=("mean", "knn", "iterative")))
    j = d.indicator_ids.index("i5")  # imputed by `min` in the spec
    for k in range(1, len(d.imputation_levels)):
        np.testing.assert_array_equal(d.matrices[k, 0][:, j], d.matrices[0, 0][:, j])
        assert not np.array_equal(d.matrices[k, 0], d.matrices[0, 0], equal_nan=True)


# ---- weights per level ---------------------------------------------------------------------------
def test_weights_are_one_factor_by_default_and_one_per_level_on_request(syn):
    _, _, result = syn
    one = build_design(result, UncertaintyConfig(weight_scope="all"))
    assert [f.name for f in one.factors if not f.discrete] == ["weights"]
    assert one.factor("weights").nodes == one.weight_nodes
    lvl = build_design(result, UncertaintyConfig(weight_scope="all", weight_groups="level"))
    wf = {f.name: f.nodes for f in lvl.factors if not f.discrete}
    # COINr's levels: indicators 1, dimensions 2, pillars 3 (the index's children)
    assert wf == {"weights.level1": ("compute", "talent", "finance", "adoption", "policy"),
                  "weights.level2": ("tech", "market"), "weights.level3": ("index",)}
    groups = salib_problem(lvl)["groups"]
    assert list(dict.fromkeys(groups))[:3] == list(wf)
    # the same per-node inputs give the same weights, however they are grouped
    u = np.random.default_rng(3).random((5, one.n_vars))
    u2 = np.empty_like(u)
    c1, c2 = _node_columns(one), _node_columns(lvl)
    for node, cols in c1.items():
        u2[:, c2[node]] = u[:, cols]
    n_w = sum(len(f.columns) for f in one.factors if not f.discrete)
    u2[:, n_w:] = u[:, n_w:]  # the discrete factors follow the weights in both layouts
    w1, w2 = one.sample_weights(u), lvl.sample_weights(u2)
    assert set(w1) == set(w2)
    for node in w1:
        np.testing.assert_array_equal(w1[node], w2[node])


def _node_columns(design) -> dict[str, list[int]]:
    out = {}
    for f in design.factors:
        col = 0
        for node in f.nodes:
            k = len(design.tree.nodes[design.tree.aggregate_ids.index(node)].children)
            out[node] = list(f.columns[col:col + k])
            col += k
    return out


def test_per_level_weights_in_a_sobol_analysis(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(weights="dirichlet", weight_groups="level", normalisations=(),
                            aggregations=(), imputations=(), leave_one_out=False)
    res = run_sensitivity(result, 64, seed=2, config=cfg, num_resamples=20)
    assert set(res.frame.factor) == {"weights.level1", "weights.level2"}
    assert (res.frame.groupby("factor").ST.max() > 0).all()


# ---- categorical factors in a scrambled Sobol design --------------------------------------------
def _base_column(seed: int, n: int) -> np.ndarray:
    return qmc.Sobol(d=4, scramble=True, seed=seed).random(n)[:, 1]


@pytest.mark.parametrize("levels", [2, 4, 8])
def test_floor_uL_is_exact_when_the_levels_divide_N(levels):
    for seed in range(20):
        u = _base_column(seed, 64)
        counts = np.bincount((u * levels).astype(int), minlength=levels)
        assert (counts == 64 // levels).all()


def test_floor_uL_alone_can_miss_the_balance_for_other_L():
    """Why the design reads levels on its 1/N grid: for L ∤ N an elementary interval straddles
    a level's edge and ⌊u·L⌋ can give a level ⌈N/L⌉ + 1 points."""
    off = 0
    for seed in range(40):
        u = _base_column(seed, 8)
        counts = np.bincount((u * 7).astype(int), minlength=7)
        off += int(counts.max() > 2 or counts.min() < 1)
    assert off > 0


@pytest.fixture(scope="module")
def design_grid(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(normalisations=("ratio", "minmax", "zscore", "rank", "frontier"),
                            imputations=("mean", "median", "knn"))
    return build_design(result, cfg)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), m=st.integers(3, 8))
def test_levels_on_the_grid_are_exactly_balanced(design_grid, seed, m):
    """Over the N base samples (A, and B) every level of every discrete factor gets ⌊N/L⌋ or
    ⌈N/L⌉ points, whatever L (here 13 exclusions, 6 normalisations, 3 aggregations, …)."""
    n = 2**m
    d = design_grid.with_resolution(n)
    problem = salib_problem(d)
    x = saltelli_sample(problem, n, seed)
    k = len(dict.fromkeys(problem["groups"]))
    blocks = x.reshape(n, k + 2, -1)
    for rows in (blocks[:, 0], blocks[:, -1]):  # A and B
        for f in d.factors:
            if not f.discrete:
                continue
            L = len(f.levels)
            counts = np.bincount(d.level_index(rows, f.name), minlength=L)
            assert counts.sum() == n
            assert counts.min() >= n // L and counts.max() <= -(-n // L), (f.name, counts)


def test_design_frequencies_are_the_models_probabilities_and_the_estimator_is_exact(
        design_grid):
    """A model of one discrete factor only: the sample mean and variance over [A; B] are the
    model's exact ones (the level frequencies are the mapping's probabilities), and every
    other factor's S1 and ST are exactly 0 — the Saltelli/Jansen estimators need no change."""
    n = 256
    d = design_grid.with_resolution(n)
    problem = salib_problem(d)
    x = saltelli_sample(problem, n, seed=11)
    f = d.factor("exclusion")
    L = len(f.levels)
    a = np.linspace(-1.0, 2.0, L) ** 2  # any value per level
    y = a[d.level_index(x, "exclusion")]
    # exact probabilities of the mapping for uniform u: cells j with ⌊jL/N⌋ = l
    p = np.bincount((np.arange(n) * L) // n, minlength=L) / n
    mu, var = (p * a).sum(), (p * (a - (p * a).sum()) ** 2).sum()
    k = len(dict.fromkeys(problem["groups"]))
    blocks = y.reshape(n, k + 2)
    ab = np.concatenate([blocks[:, 0], blocks[:, -1]])
    assert ab.mean() == pytest.approx(mu, abs=1e-12)
    assert ab.var() == pytest.approx(var, abs=1e-12)
    res = sobol_indices(y[:, None], k, num_resamples=10, seed=0)
    names = list(dict.fromkeys(problem["groups"]))
    others = [i for i, g in enumerate(names) if g != "exclusion"]
    assert (res.S1[others] == 0).all() and (res.ST[others] == 0).all()
    assert res.ST[names.index("exclusion"), 0] > 0.9


def test_discrete_indices_match_salib_and_the_analytic_shares():
    """y = a[level(u1)] + u2 with 3 levels on the grid: our estimator is SALib's (1e-12), and
    the indices approach the variance shares Var(a) : 1/12."""
    problem = {"num_vars": 2, "names": ["lvl", "x"], "bounds": [[0, 1]] * 2}
    n = 2**12
    x = saltelli_sample(problem, n, seed=3)
    cell = np.minimum((x[:, 0] * n).astype(int), n - 1)
    a = np.array([0.0, 1.0, 0.25])
    y = a[(cell * 3) // n] + x[:, 1]
    ours = sobol_indices(y[:, None], 2, num_resamples=50, seed=3)
    ref = salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=50, seed=3)
    np.testing.assert_allclose(ours.S1[:, 0], ref["S1"], atol=1e-12)
    np.testing.assert_allclose(ours.ST[:, 0], ref["ST"], atol=1e-12)
    p = np.bincount((np.arange(n) * 3) // n) / n
    v1 = (p * (a - (p * a).sum()) ** 2).sum()
    share = v1 / (v1 + 1 / 12)
    np.testing.assert_allclose(ours.S1[:, 0], [share, 1 - share], atol=0.03)
    np.testing.assert_allclose(ours.ST[:, 0], [share, 1 - share], atol=0.03)


def test_the_grid_design_equals_a_rebuild(syn, design_grid):
    spec, obs, result = syn
    d = design_grid.with_resolution(64)
    u = np.random.default_rng(8).random((8, d.n_vars))
    _agree(d, result, obs, u)


# ---- pillar outputs and convergence --------------------------------------------------------------
def test_pillars_come_from_the_same_pass_and_equal_the_build(syn):
    _, _, result = syn
    d = build_design(result, UncertaintyConfig.nominal())
    out = d.evaluate(np.zeros((2, d.n_vars)), nodes="pillars")
    assert out.node_ids == ("tech", "market")
    want = result.scores[["tech", "market"]].reindex(list(d.units)).to_numpy()
    np.testing.assert_allclose(out.nodes[0], want, rtol=0, atol=TOL)
    with pytest.raises(ValueError, match="unknown node"):
        d.evaluate(np.zeros((1, d.n_vars)), nodes=["nosuch"])


def test_sensitivity_of_the_pillars(syn):
    _, _, result = syn
    res = run_sensitivity(result, 32, seed=0, config=UncertaintyConfig(), num_resamples=10,
                          outputs="index,rank,pillars")
    kinds = list(dict.fromkeys(res.frame.output))
    assert kinds == ["index", "rank", "pillars.tech", "pillars.market"]
    tech = res.frame[res.frame.output == "pillars.tech"]
    assert len(tech) == len(result.units) * res.frame.factor.nunique()
    assert res.outputs.nodes.shape == (res.n_evaluations, len(result.units), 2)


@pytest.fixture(scope="module")
def sens(syn):
    _, _, result = syn
    return run_sensitivity(result, 128, seed=4, config=UncertaintyConfig(), num_resamples=30)


def test_convergence_reuses_the_evaluations_and_ends_at_the_full_analysis(sens):
    assert convergence_sizes(1024) == [128, 256, 512, 1024]
    assert convergence_sizes(4, steps=4) == [2, 4]
    conv = sobol_convergence(sens)
    assert sorted(conv.n_base.unique()) == [16, 32, 64, 128]
    pd.testing.assert_frame_equal(conv[conv.n_base == 128].reset_index(drop=True), sens.frame)
    small = conv[conv.n_base == 16]
    assert len(small) == len(sens.frame)
    # the bootstrap intervals shrink with N (on average over economies and factors)
    width = conv.groupby("n_base").ST_conf.mean()
    assert width[128] < width[16]
    summary = convergence_summary(conv)
    assert set(summary.columns) >= {"output", "factor", "n_base", "ST", "max_abs_change_ST"}
    assert summary[summary.n_base == 16].max_abs_change_ST.isna().all()
    assert (summary[summary.n_base > 16].max_abs_change_ST >= 0).all()


def test_a_prefix_is_the_smaller_design_itself(syn):
    """Without discrete factors (no grid), the N/2 prefix is exactly the analysis at N/2."""
    _, _, result = syn
    cfg = UncertaintyConfig(normalisations=(), aggregations=(), imputations=(),
                            leave_one_out=False)
    full = run_sensitivity(result, 64, seed=9, config=cfg, num_resamples=20)
    half = run_sensitivity(result, 32, seed=9, config=cfg, num_resamples=20)
    conv = sobol_convergence(full)
    pd.testing.assert_frame_equal(conv[conv.n_base == 32].reset_index(drop=True), half.frame)


def test_convergence_chart_and_tables_are_written(sens, tmp_path):
    from aidi.report.convergence import convergence_factor_label, write_convergence

    paths = write_convergence(sobol_convergence(sens), tmp_path, "en")
    assert pd.read_csv(paths["sobol_convergence"]).n_base.nunique() == 4
    for ext in ("png", "svg"):
        assert (tmp_path / f"fig_sobol_convergence_rank_en.{ext}").stat().st_size > 0
    assert convergence_factor_label("weights.level2", "en") == "the weights at level 2"
    assert convergence_factor_label("weights.level2", "zh") == "第2层权重"


def test_cli_convergence_pillars_and_weight_levels(syn, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aidi.cli import app
    from aidi.commands import robustness

    monkeypatch.setattr(robustness, "_nominal", lambda *a: synthetic_api_build(syn))
    r = CliRunner().invoke(app, ["sensitivity", "--samples", "32", "--out", str(tmp_path),
                                 "--convergence", "--outputs", "index,rank,pillars",
                                 "--weight-groups", "level", "--normalisations",
                                 "minmax,n_prank"])
    assert r.exit_code == 0, r.output
    sens_dir = tmp_path / "sensitivity"
    conv = pd.read_csv(sens_dir / "sobol_convergence.csv")
    assert {"weights.level1", "weights.level2"} <= set(conv.factor)
    assert "pillars.tech" in set(conv.output)
    assert (sens_dir / "fig_sobol_convergence_rank_en.svg").exists()
    r = CliRunner().invoke(app, ["sensitivity", "--samples", "32", "--out", str(tmp_path),
                                 "--normalisations", "n_goalposts"])
    assert r.exit_code != 0 and "needs parameters" in r.output


# ---- the pipeline's leftovers --------------------------------------------------------------------
def _two_indicator_spec(impute: dict, aggregate: dict, standardise: str = "none"):
    return spec_from_dict({
        "id": "t", "name": {"en": "t"}, "reference": "USA", "units": ["USA", "CHN", "DEU"],
        "defaults": {"normalise": {"method": "minmax", "low": 1, "high": 2}, "impute": impute},
        "root": {"id": "index", "name": {"en": "Index"}, "aggregate": aggregate,
                 "standardise": standardise, "children": [
                     {"id": "a", "name": {"en": "a"}, "series": "s.a"},
                     {"id": "b", "name": {"en": "b"}, "series": "s.b", "direction": -1}]}})


def test_row_imputation_uses_the_indicators_directions():
    """x = [[1, 10], [2.5, NaN], [3, 30]], b has direction −1. Scaled by direction: a → 0,
    0.75, 1; −b → 1, ·, 0 (min −30, max −10). Unit 2's row mean is 0.75, which maps back
    to −(0.75·20 − 30) = 15 (ignoring the direction would give 25)."""
    spec = _two_indicator_spec({"method": "row_mean"}, {"method": "arithmetic"})
    x = np.array([[1.0, 10.0], [2.5, np.nan], [3.0, 30.0]])
    prep = prepare(x, ["USA", "CHN", "DEU"], spec, None, with_log=False)
    assert prep.imputed[1, 1] == pytest.approx(15.0, abs=1e-12)


@pytest.mark.parametrize("standardise", ["none", "ratio"])
def test_generalised_mean_contributions_add_up_to_the_score(standardise):
    """Contributions of a_genmean (p = 2) are each child's share of Σ w xᵖ times the score,
    so they add up to the reported score (also when it is standardised to the reference).
    By hand (min–max onto [1, 2]): USA is best on both children (2, 2), CHN worst (1, 1)."""
    spec = _two_indicator_spec({"method": "none"}, {"method": "genmean", "p": 2}, standardise)
    rows = [(u, 2022, s, v, "u", "t", "t.csv") for u, (a, b) in
            {"USA": (3.0, 10.0), "CHN": (1.0, 30.0), "DEU": (2.0, 20.0)}.items()
            for s, v in (("s.a", a), ("s.b", b))]
    obs = pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source",
                                      "file"])
    r = build(spec, obs)
    c = r.contributions
    assert c.contribution.notna().all()
    # by hand for CHN: a = 1 → 1, b = 30 (worst, direction −1) → 1; both children 1
    chn = c[c.iso3 == "CHN"]
    raw = np.sqrt((1.0**2 + 1.0**2) / 2)  # = 1
    usa_raw = np.sqrt((2.0**2 + 2.0**2) / 2)  # USA best on both → 2
    want = raw / usa_raw if standardise == "ratio" else raw
    assert r.scores.loc["CHN", "index"] == pytest.approx(want, abs=1e-12)
    assert chn.contribution.sum() == pytest.approx(want, abs=1e-12)
    for unit in ("USA", "DEU"):
        got = c[c.iso3 == unit].contribution.sum()
        assert got == pytest.approx(r.scores.loc[unit, "index"], abs=1e-12)
