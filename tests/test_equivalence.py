"""One pipeline: every batch variant equals a full rebuild with that choice, on both shipped
specs, screening included.

For each level of every uncertain factor (the others at the spec's choice) and for random
draws of all factors together, `VariantDesign.evaluate` — the vectorised batch path — must give
the index of `pipeline.build` run on the spec rewritten with the sample's choices
(`spec_variant`), to 1e-12. The ASEM spec screens units *after* imputation, so its "no
imputation" level drops units: the batch path must drop the same ones.
"""

from __future__ import annotations

import numpy as np
import pytest

import aidi
from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.robustness.oracle import naive_evaluate

TOL = 1e-12


def _level_rows(design) -> list[np.ndarray]:
    """One input row per level of each discrete factor, every other input at the spec's
    (each row checked to pick that level, on the design's grid too)."""
    base = np.full(design.n_vars, 0.5)
    for f in design.factors:  # discrete level 0 (the spec's) for everything but weights
        if f.discrete:
            base[f.columns[0]] = 0.0
    rows = [base.copy()]
    for f in design.factors:
        if not f.discrete:
            continue
        for level in range(1, len(f.levels)):
            row = base.copy()
            row[f.columns[0]] = (level + 0.5) / len(f.levels)
            assert design.level_index(row[None, :], f.name)[0] == level
            rows.append(row)
    return rows


def _check(build: aidi.Build, config: UncertaintyConfig, n_random: int, seed: int,
           resolution: int | None = None) -> None:
    """Batch == rebuild for every level and `n_random` draws: index, rank, the pillars (the
    root's children) and which samples fail (a rebuild only says *that* it failed)."""
    design = build_design(build.result, config).with_resolution(resolution)
    rows = _level_rows(design)
    rows += list(np.random.default_rng(seed).random((n_random, design.n_vars)))
    u = np.vstack(rows)
    fast = design.evaluate(u, nodes="pillars")
    slow = naive_evaluate(design, build.result, build.observations, u, nodes="pillars")
    np.testing.assert_array_equal(fast.failure > 0, slow.failure > 0)
    ok = fast.failure == 0
    np.testing.assert_array_equal(np.isnan(fast.index[ok]), np.isnan(slow.index[ok]))
    np.testing.assert_allclose(fast.index[ok], slow.index[ok], rtol=0, atol=TOL,
                               equal_nan=True)
    np.testing.assert_array_equal(fast.rank[ok], slow.rank[ok])
    # a rebuild whose reference has no index value raises (ReferenceHasNoValue) and gives no
    # pillars at all, while the batch keeps the pillars that have one: compare the others
    built = ok & ~np.isnan(slow.index).all(axis=1)
    assert built.sum() >= ok.sum() - 2
    np.testing.assert_allclose(fast.nodes[built], slow.nodes[built], rtol=0, atol=TOL,
                               equal_nan=True)


@pytest.fixture(scope="module")
def aidi_build() -> aidi.Build:
    return aidi.build("aidi-2024", edition="snapshot")


@pytest.mark.slow
def test_aidi_every_level_and_random_draws_equal_a_rebuild(aidi_build: aidi.Build) -> None:
    config = UncertaintyConfig(normalisations=("ratio", "minmax", "zscore", "rank", "frontier"),
                               imputations=("none", "mean", "median"))
    _check(aidi_build, config, n_random=6, seed=1)


def test_aidi_random_weight_sets_equal_a_rebuild(aidi_build: aidi.Build) -> None:
    config = UncertaintyConfig(weights="dirichlet", weight_scope="all", normalisations=(),
                               aggregations=(), imputations=(), leave_one_out=False)
    _check(aidi_build, config, n_random=10, seed=2)


@pytest.mark.slow
def test_aidi_catalogue_factors_equal_a_rebuild(aidi_build: aidi.Build) -> None:
    """Item 6 of issue #16: normalisers and aggregators of the catalogue by COINr's names and
    with parameters, scikit-learn's imputers, weights per level — on the Sobol grid."""
    config = UncertaintyConfig(
        weights="dirichlet", weight_groups="level", weight_scope="all",
        normalisations=("n_minmax", "n_zscore", "n_prank", "n_borda", "n_rank", "n_fracmax",
                        {"f_n": "n_goalposts", "f_n_para": {"gposts": [0, 1e6, 1]}}),
        aggregations=("harmonic", {"f_ag": "a_genmean", "f_ag_para": {"p": 2}},
                      {"f_ag": "a_genmean", "f_ag_para": {"p": -1.5}}, "a_copeland", "mpi"),
        aggregation_scope="all",
        imputations=("mean", "i_median", "knn", "iterative", "row_mean"))
    _check(aidi_build, config, n_random=6, seed=5, resolution=64)


@pytest.mark.slow
def test_asem_every_level_equals_a_rebuild_screening_included() -> None:
    b = aidi.build("asem")
    config = UncertaintyConfig(normalisations=("minmax", "zscore", "rank"),
                               imputations=("none", "mean", "median"),
                               winsorisation=(1, 3, 8), aggregation_scope="all")
    design = build_design(b.result, config)
    assert "none" in design.imputation_levels
    assert len(design.winsorisation_levels) == 4
    # "no imputation" screens units out after imputation, as a rebuild does
    row = _level_rows(design)[0].copy()
    f = design.factor("imputation")
    row[f.columns[0]] = (design.imputation_levels.index("none") + 0.5) / len(f.levels)
    idx = design.evaluate(row[None, :]).index[0]
    defaults = b.spec.defaults
    no_imputation = b.spec.model_copy(update={"defaults": defaults.model_copy(
        update={"impute": defaults.impute.model_copy(update={"method": "none"})})})
    rebuilt = b.with_spec(no_imputation)
    assert np.isnan(idx).sum() == len(b.units) - len(rebuilt.units) > 0
    _check(b, config, n_random=8, seed=3)


def test_asem_no_imputation_level_screens_like_a_rebuild() -> None:
    """The quick version of the slow test above: the one level that changes the units."""
    b = aidi.build("asem")
    config = UncertaintyConfig(weights="off", normalisations=(), aggregations=(),
                               imputations=("none",), leave_one_out=False)
    _check(b, config, n_random=2, seed=4)


@pytest.mark.slow
def test_asem_catalogue_factors_equal_a_rebuild() -> None:
    """The same on COINr's ASEM build, with COINr's own vocabulary (group medians, the
    generalised mean, Copeland) and the winsorisation limit, weights per level."""
    b = aidi.build("asem")
    config = UncertaintyConfig(
        weight_groups="level", weight_scope="all",
        normalisations=("n_zscore", "n_prank", "n_borda", "n_dist2max",
                        {"f_n": "n_minmax", "f_n_para": {"l_u": [1, 10]}}),
        aggregations=("a_gmean", {"f_ag": "a_genmean", "f_ag_para": {"p": 2}}, "a_copeland",
                      "mpi"),
        aggregation_scope="all",
        imputations=("i_median", {"f_i": "i_median_grp", "use_group": "EurAsia_group"},
                     "knn", "iterative"),
        winsorisation=(2, 8), leave_one_out=False)
    design = build_design(b.result, config)
    assert {f.name for f in design.factors if not f.discrete} >= {"weights.level1",
                                                                    "weights.level2"}
    _check(b, config, n_random=6, seed=6, resolution=128)
