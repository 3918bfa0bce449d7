"""Uncertainty analysis: nominal reproduction, determinism, backends, the naive-loop oracle and
failure accounting, on a synthetic 20-economy index (no timed assertions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidi.analysis.robustness.backends import evaluate_samples
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.evaluate import tree_pass
from aidi.analysis.robustness.oracle import naive_evaluate, spec_variant
from aidi.analysis.uncertainty import run_uncertainty
from aidi.engine.pipeline import build
from aidi.engine.tree import aggregate_tree
from aidi.report.writers import write_uncertainty
from aidi.specs.loader import spec_from_dict
from tests._robustness_data import (
    synthetic_api_build,
    synthetic_build,
    synthetic_observations,
    synthetic_spec_dict,
)


@pytest.fixture(scope="module")
def syn():
    return synthetic_build(zeros=True)


@pytest.fixture(scope="module")
def syn_clean():
    return synthetic_build(zeros=False)


def test_all_perturbations_off_reproduces_the_nominal_build(syn):
    _, _, result = syn
    res = run_uncertainty(result, 50, seed=3, config=UncertaintyConfig.nominal())
    assert res.design.n_vars == 0 and res.n_failed_samples == 0
    nominal_rank = result.ranks["index"].to_numpy()
    assert np.array_equal(res.outputs.rank, np.tile(nominal_rank, (50, 1)))
    assert np.array_equal(res.outputs.index, np.tile(result.index.to_numpy(), (50, 1)))
    s = res.summary().set_index("iso3")
    for col in ("median_rank", "p05_rank", "p95_rank"):
        assert (s[col] == s["nominal_rank"]).all()
    assert (s["n_failed"] == 0).all()


def test_spec_level_matrix_is_the_build_itself(syn):
    _, _, result = syn
    d = build_design(result)
    assert np.array_equal(d.matrices[0, 0], result.normalised.to_numpy(), equal_nan=True)


def test_same_seed_same_output_other_seed_differs(syn):
    _, _, result = syn
    a = run_uncertainty(result, 300, seed=11).summary()
    b = run_uncertainty(result, 300, seed=11).summary()
    c = run_uncertainty(result, 300, seed=12).summary()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_chunking_does_not_change_results(syn):
    _, _, result = syn
    d = build_design(result)
    u = np.random.default_rng(0).random((500, d.n_vars))
    a = evaluate_samples(d, u, chunk_size=500)
    b = evaluate_samples(d, u, chunk_size=37)
    assert np.array_equal(a.index, b.index, equal_nan=True)
    assert np.array_equal(a.rank, b.rank, equal_nan=True)
    assert np.array_equal(a.failure, b.failure)


@pytest.mark.parametrize("scheduler", [None, "synchronous", "threads"])
def test_numpy_and_dask_backends_agree_exactly(syn, scheduler):
    _, _, result = syn
    a = run_uncertainty(result, 400, seed=5, backend="numpy", chunk_size=150)
    b = run_uncertainty(result, 400, seed=5, backend="dask", scheduler=scheduler,
                        chunk_size=150)
    assert np.array_equal(a.outputs.index, b.outputs.index, equal_nan=True)
    assert np.array_equal(a.outputs.rank, b.outputs.rank, equal_nan=True)
    assert np.array_equal(a.outputs.failure, b.outputs.failure)
    pd.testing.assert_frame_equal(a.summary(), b.summary())


@pytest.mark.parametrize("config", [
    UncertaintyConfig(),
    UncertaintyConfig(weights="dirichlet", aggregation_scope="all", zeros="zero",
                      normalisations=("ratio", "minmax", "zscore", "rank")),
], ids=["default", "dirichlet-all-zero"])
def test_vectorised_path_equals_a_full_rebuild_per_sample(syn, config):
    spec, obs, result = syn
    d = build_design(result, config)
    u = np.random.default_rng(2).random((14, d.n_vars))
    fast = d.evaluate(u)
    slow = naive_evaluate(d, result, obs, u)
    assert np.array_equal(fast.failure > 0, slow.failure > 0)
    np.testing.assert_allclose(fast.index, slow.index, rtol=1e-12, atol=0)
    assert np.array_equal(fast.rank, slow.rank, equal_nan=True)


def test_every_level_of_every_factor_matches_a_rebuild(syn_clean):
    """One sample per level, the others at the spec's choice."""
    spec, obs, result = syn_clean
    d = build_design(result, UncertaintyConfig(weights="off"))
    rows = []
    for f in d.factors:
        for k in range(len(f.levels)):
            u = np.zeros(d.n_vars)
            u[f.columns[0]] = (k + 0.5) / len(f.levels)
            rows.append(u)
    u = np.array(rows)
    fast, slow = d.evaluate(u), naive_evaluate(d, result, obs, u)
    np.testing.assert_allclose(fast.index, slow.index, rtol=1e-12, atol=0)
    assert np.array_equal(fast.rank, slow.rank, equal_nan=True)
    choices = d.decode(u)
    assert set(choices["normalisation"]) == set(d.normalisation_levels)
    assert set(choices["exclusion"]) == set(d.exclusion_levels)


def test_spec_variant_leaves_out_an_indicator_by_zero_weight(syn):
    spec, _, result = syn
    d = build_design(result, UncertaintyConfig(weights="off", normalisations=(),
                                               aggregations=(), imputations=()))
    f = d.factor("exclusion")
    u = np.array([(d.exclusion_levels.index("i4") + 0.5) / len(f.levels)])
    variant = spec_variant(d, spec, u)
    assert variant.node("i4").weight == 0.0
    assert variant.node("i3").weight == 1.0


def test_failed_replicates_are_counted_not_dropped(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(weights="off", normalisations=(), imputations=(),
                            leave_one_out=False, zeros="spec",
                            exclude_impossible=False)  # half the samples fail
    res = run_uncertainty(result, 200, seed=1, config=cfg)
    n_fail = res.n_failed_samples
    geo = res.choices()["aggregation"] == "geometric"
    assert n_fail == int(geo.sum()) > 0  # every geometric sample meets MEX's zero compute
    s = res.summary()
    assert (s["n_valid"] + s["n_failed"] == 200).all()
    assert (s["n_failed"] == n_fail).all()
    fails = res.failures()
    assert fails["n_samples"].sum() == n_fail
    assert "tech" in fails["reason"].iloc[0]
    msg = res.failure_message()
    assert f"{n_fail} of 200 samples" in msg and "valid samples only" in msg
    # with zeros → 0 the same samples succeed, and the economies without compute drop to 0
    res0 = run_uncertainty(result, 200, seed=1,
                           config=UncertaintyConfig(**{**cfg.__dict__, "zeros": "zero"}))
    assert res0.n_failed_samples == 0
    mex = res0.design.units.index("MEX")
    assert np.all(res0.outputs.index[geo.to_numpy(), mex] == 0.0)


def test_missing_index_for_one_economy_is_counted_for_that_economy(syn_clean):
    _, _, result = syn_clean
    d = build_design(result, UncertaintyConfig.nominal())
    normalised = d.matrices.copy()
    normalised[..., d.units.index("GBR"), :] = np.nan  # GBR has no data at all
    d = type(d)(**{**d.__dict__, "matrices": normalised})
    res = run_uncertainty(result, 20, seed=0, design=d)
    s = res.summary().set_index("iso3")
    assert s.loc["GBR", "n_failed"] == 20 and s.loc["GBR", "n_valid"] == 0
    assert s.drop("GBR")["n_failed"].eq(0).all()
    assert np.isnan(s.loc["GBR", "median_rank"])
    assert set(s.drop("GBR")["median_rank"]) == set(range(1, 20))
    assert (res.failures()["iso3"] == "GBR").any()


def test_tree_pass_equals_aggregate_tree_when_nothing_fails(syn_clean):
    _, _, result = syn_clean
    d = build_design(result)
    u = np.random.default_rng(4).random((64, d.n_vars))
    x = d.matrices[d.level_index(u, "imputation"), d.level_index(u, "normalisation")]
    w = d.sample_weights(u)
    for methods in d.aggregation_methods:
        ours, fail = tree_pass(x, d.tree, d.ref, w, methods)
        ref = aggregate_tree(x, d.tree, d.ref, w, methods)
        assert not fail.any()
        assert np.array_equal(ours, ref, equal_nan=True)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_ranks_are_a_permutation_in_every_valid_sample(seed):
    _, _, result = synthetic_build(zeros=False)
    d = build_design(result)
    out = d.evaluate(np.random.default_rng(seed).random((20, d.n_vars)))
    ok = out.failure == 0
    assert np.all(np.sort(out.rank[ok], axis=1) == np.arange(1, 21))


def test_levels_that_change_nothing_are_dropped_and_noted(syn_clean):
    _, _, result = syn_clean
    d = build_design(result, UncertaintyConfig(normalisations=("frontier", "minmax")))
    assert d.normalisation_levels == ("spec", "minmax")  # the spec already is frontier
    assert any("frontier" in n for n in d.notes)


def test_weights_are_perturbed_within_the_spread(syn_clean):
    _, _, result = syn_clean
    d = build_design(result, UncertaintyConfig(weight_spread=0.25))
    w = d.sample_weights(np.random.default_rng(0).random((1000, d.n_vars)))
    talent = d.tree.nodes[d.tree.aggregate_ids.index("tech")]
    assert talent.id in w
    ratio = w["tech"] / talent.weights
    assert ratio.min() >= 0.75 and ratio.max() <= 1.25
    assert "index" not in d.weight_nodes  # the index's own pillar weights stay


def test_writes_csv_chart_and_report_section(syn, tmp_path):
    _, _, result = syn
    res = run_uncertainty(result, 200, seed=0, config=UncertaintyConfig(
        zeros="spec", exclude_impossible=False))
    paths = write_uncertainty(res, tmp_path, save_samples=True)
    df = pd.read_csv(paths["uncertainty"])
    for col in ("iso3", "nominal_rank", "median_rank", "p05_rank", "p95_rank", "median_index",
                "p05_index", "p95_index", "n_valid", "n_failed"):
        assert col in df.columns
    assert (tmp_path / "fig_uncertainty_ranks_en.png").stat().st_size > 0
    assert (tmp_path / "fig_uncertainty_ranks_en.svg").stat().st_size > 0
    assert (tmp_path / "uncertainty_failures.csv").exists()
    assert len(pd.read_csv(paths["uncertainty_samples"])) == 200
    from aidi.report.robustness import uncertainty_sentences, uncertainty_table

    summary = res.summary()
    assert len(uncertainty_sentences(summary, {}, "en")) == 3
    table = uncertainty_table(summary, {})
    assert str(table["nominal_rank"].dtype) == "Int64"  # ranks as integers
    assert "failed" in res.failure_message()


@pytest.mark.slow
def test_cli_uncertainty_and_sensitivity(syn, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aidi.cli import app
    from aidi.commands import robustness

    monkeypatch.setattr(robustness, "_nominal", lambda *a: synthetic_api_build(syn))
    runner = CliRunner()
    r = runner.invoke(app, ["uncertainty", "--samples", "300", "--out", str(tmp_path),
                            "--no-exclusion", "--backend", "dask", "--zeros", "spec"])
    assert r.exit_code == 0, r.output
    # each robustness command writes into its own subfolder of --out; the design's notes are
    # printed (the geometric level meets MEX's zero compute under `nonpositive: error`, so it
    # is removed from the design, not failed)
    assert "removed from the design" in r.output
    assert (tmp_path / "uncertainty" / "uncertainty.csv").exists()
    r = runner.invoke(app, ["sensitivity", "--samples", "64", "--out", str(tmp_path),
                            "--no-weights", "--zeros", "zero"])
    assert r.exit_code == 0, r.output
    sens = tmp_path / "sensitivity"
    assert (sens / "sobol.csv").exists() and (sens / "fig_sobol_rank_en.svg").exists()
    r = runner.invoke(app, ["audit", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "audit" / "audit_flags.csv").exists()


# ---- the design draws only possible indices (issue 21.5) -------------------------------------
def test_leave_one_out_never_empties_a_node():
    """A node with one weighted indicator (here: `adoption` after i9's weight is 0) offers no
    leave-one-out of it; every other indicator with a weighted sibling is offered."""
    d0 = synthetic_spec_dict()
    d0["root"]["children"][1]["children"][0]["children"][1]["weight"] = 0.0
    spec = spec_from_dict(d0)
    result = build(spec, synthetic_observations(zeros=False))
    d = build_design(result, UncertaintyConfig(weights="off", normalisations=(),
                                               aggregations=(), imputations=()))
    assert "i8" not in d.exclusion_levels and "i9" not in d.exclusion_levels
    assert set(d.exclusion_levels) == {"none"} | {f"i{k}" for k in range(1, 13)} - {"i8", "i9"}
    res = run_uncertainty(result, 300, seed=2, design=d)
    assert res.n_failed_samples == 0 and (res.summary()["n_failed"] == 0).all()


def test_impossible_levels_are_removed_not_failed(syn):
    """MEX and IDN have no compute: a geometric mean of the pillars meets their zero under the
    spec's `nonpositive: error`, so the design removes that level (with a note naming the node)
    and no sample fails; the same config with `exclude_impossible=False` fails those samples."""
    _, _, result = syn
    cfg = UncertaintyConfig(weights="uniform", leave_one_out=True)
    d = build_design(result, cfg)
    assert "geometric" not in d.aggregation_levels
    assert any("aggregation 'geometric' removed" in n and "'tech'" in n for n in d.notes)
    res = run_uncertainty(result, 2000, seed=0, design=d)
    assert res.n_failed_samples == 0 and (res.summary()["n_failed"] == 0).all()
    loose = build_design(result, UncertaintyConfig(exclude_impossible=False))
    assert "geometric" in loose.aggregation_levels
    assert run_uncertainty(result, 400, seed=0, design=loose).n_failed_samples > 0


def test_a_declared_zero_rule_keeps_the_geometric_level():
    """With the pillars declaring `nonpositive: zero`, a geometric mean meeting a zero is the
    spec's rule, not an impossibility: the level stays and the economies without compute get 0."""
    d0 = synthetic_spec_dict()
    for pillar in d0["root"]["children"]:
        pillar["aggregate"] = {"nonpositive": "zero"}
    d0["root"]["aggregate"] = {"method": "geometric", "nonpositive": "zero"}
    spec = spec_from_dict(d0)
    result = build(spec, synthetic_observations(zeros=True))
    d = build_design(result, UncertaintyConfig(weights="off", normalisations=(),
                                               imputations=(), leave_one_out=False))
    assert "geometric" in d.aggregation_levels
    u = np.array([[0.99]])
    out = d.evaluate(u)
    assert out.failure[0] == 0
    assert out.index[0, d.units.index("MEX")] == 0.0


@pytest.mark.parametrize("spec_name", ["aidi-2024"])
def test_shipped_specs_draw_no_failed_sample(spec_name):
    import aidi

    b = aidi.build(spec_name)
    res = b.uncertainty(n_samples=2000, seed=0)
    assert res.n_failed_samples == 0
    assert (res.summary()["n_failed"] == 0).all()
