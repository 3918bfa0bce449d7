"""Sobol sensitivity: the wrapper against analytic indices (Ishigami, a grouped linear model),
and the index model on the synthetic 20-economy build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from aidi.analysis.robustness_report import ReportSection
from aidi.analysis.sensitivity import (
    run_sensitivity,
    salib_problem,
    sensitivity_section,
    sensitivity_sentences,
    sobol_analysis,
    write_sensitivity,
)
from aidi.analysis.uncertainty import run_uncertainty
from aidi.analysis.variants import UncertaintyConfig, build_design
from tests._robustness_data import synthetic_build


def test_ishigami_matches_its_analytic_indices():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    res = sobol_analysis(problem, Ishigami.evaluate, n_base=2**13, seed=42)
    df = res.frame.set_index("factor")
    np.testing.assert_allclose(df["S1"], [0.314, 0.442, 0.0], atol=0.03)
    np.testing.assert_allclose(df["ST"], [0.558, 0.442, 0.244], atol=0.03)
    assert (df["S1_conf"] > 0).all() and (df["ST_conf"] < 0.1).all()
    assert res.n_base == 2**13 and res.inputs.shape == (2**13 * 5, 3)


def test_grouped_factors_follow_the_variance_shares():
    """Y = x1 + x2 + 2·x3 (uniform): the group {x1, x2} has 2/(2+4) of the variance."""
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3,
               "groups": ["ab", "ab", "c"]}
    res = sobol_analysis(problem, lambda x: x[:, 0] + x[:, 1] + 2 * x[:, 2], 2**12, seed=1)
    df = res.frame.set_index("factor")
    assert list(df.index) == ["ab", "c"]
    np.testing.assert_allclose(df["S1"], [1 / 3, 2 / 3], atol=0.03)
    np.testing.assert_allclose(df["ST"], [1 / 3, 2 / 3], atol=0.03)


def test_base_samples_round_up_to_a_power_of_two_and_constants_are_zero():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    res = sobol_analysis(problem, lambda x: np.column_stack([x[:, 0], np.ones(len(x))]), 100,
                         output_names=["moves", "still"])
    assert res.n_base == 128
    still = res.frame[res.frame.output == "still"]
    assert (still[["S1", "ST", "S1_conf", "ST_conf"]] == 0).all().all()
    assert (still["note"] == "constant").all()


def test_blocks_with_failures_are_left_out_and_counted():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}

    def model(x: np.ndarray) -> np.ndarray:
        y = x[:, 0] + 0.1 * x[:, 1]
        return np.where(x[:, 1] > 0.9, np.nan, y)

    df = sobol_analysis(problem, model, 256, seed=0).frame
    assert (df["n_base_used"] < 256).all() and (df["n_base_used"] > 100).all()
    assert df["note"].str.contains("left out").all()
    assert df.set_index("factor").loc["a", "ST"] > 0.8


@pytest.fixture(scope="module")
def syn():
    return synthetic_build(zeros=True)


def test_index_model_indices_per_economy(syn):
    _, _, result = syn
    res = run_sensitivity(result, 256, seed=3, num_resamples=50,
                          config=UncertaintyConfig(zeros="spec"))
    df = res.frame
    assert list(df.columns) == ["iso3", "output", "factor", "S1", "S1_conf", "ST", "ST_conf",
                                "n_base", "n_base_used", "n_failed", "note"]
    assert set(df.factor) == {"weights", "normalisation", "aggregation", "imputation",
                              "exclusion"}
    assert set(df.output) == {"rank", "index"} and df.iso3.nunique() == 20
    # the reference's index is 1 in every variant: nothing moves it
    usa = df[(df.iso3 == "USA") & (df.output == "index")]
    assert (usa["ST"] == 0).all() and (usa["note"] == "constant").all()
    assert res.n_evaluations == 256 * 7 and res.n_failed > 0
    assert "base blocks" in res.failure_message()
    ok = df[df.note != "constant"]
    assert ok["ST"].between(-0.2, 1.5).all()


def test_same_seed_same_indices_on_every_backend(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(zeros="zero")
    a = run_sensitivity(result, 64, seed=9, config=cfg, num_resamples=20)
    b = run_sensitivity(result, 64, seed=9, config=cfg, num_resamples=20, backend="dask",
                        chunk_size=100)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.n_failed == 0


def test_switched_off_factor_is_absent(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(weights="off", imputations=())
    d = build_design(result, cfg)
    problem = salib_problem(d)
    assert problem["groups"] == ["normalisation", "aggregation", "exclusion"]
    res = run_sensitivity(result, 32, seed=0, config=cfg, num_resamples=10)
    assert set(res.frame.factor) == {"normalisation", "aggregation", "exclusion"}


def test_nothing_to_analyse_is_an_error(syn):
    with pytest.raises(ValueError, match="nothing to analyse"):
        run_sensitivity(syn[2], 32, config=UncertaintyConfig.nominal())


def test_one_sentence_per_economy_and_report_section(syn, tmp_path):
    _, _, result = syn
    cfg = UncertaintyConfig(zeros="zero")
    res = run_sensitivity(result, 128, seed=1, config=cfg, num_resamples=20)
    unc = run_uncertainty(result, 500, seed=1, config=cfg).summary()
    sent = sensitivity_sentences(res.frame, unc)
    assert set(sent) == set(result.units)
    for iso3, s in sent.items():
        assert iso3 in s and ("moved most by" in s or "same under every choice" in s)
    assert "90% of variants" in sent["DEU"]
    zh = sensitivity_sentences(res.frame, unc, lang="zh")
    assert "影响最大" in zh["DEU"]
    paths = write_sensitivity(res, tmp_path)
    assert pd.read_csv(paths["sobol"]).shape[0] == len(res.frame)
    assert (tmp_path / "fig_sobol_rank.png").exists()
    sec = sensitivity_section(res, tmp_path, uncertainty=unc)
    assert isinstance(sec, ReportSection) and len(sec.sentences) == 20
    first = result.ranks["index"].idxmin()  # sentences come in nominal rank order
    assert f"({first})" in sec.sentences[0]


def test_all_report_sections_in_one_call(syn, tmp_path):
    from aidi.analysis.robustness import robustness_sections

    secs = robustness_sections(syn[2], tmp_path, n_samples=200, n_base=32)
    assert [s.key for s in secs] == ["uncertainty", "sensitivity", "audit"]
    assert all(p.exists() for s in secs for p in s.figures)
