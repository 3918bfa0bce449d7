"""Sobol sensitivity: the wrapper against analytic indices (Ishigami, a grouped linear model),
and the index model on the synthetic 20-economy build."""

from __future__ import annotations

import ast
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.test_functions import Ishigami

from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.analysis.robustness.design import build_design
from aidi.analysis.sensitivity import (
    parse_outputs,
    run_sensitivity,
    salib_problem,
    sobol_analysis,
)
from aidi.analysis.uncertainty import run_uncertainty
from aidi.report.robustness import sensitivity_sentences
from aidi.report.writers import write_sensitivity
from tests._robustness_data import synthetic_api_build, synthetic_build
from tests.conftest import REPO


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


def test_wrapper_matches_salib_output_by_output_even_with_failures():
    """Each output alone through SALib (same seed → same resample indices) on its own complete
    blocks: the all-at-once table agrees to 1e-12, also where the outputs' failures differ."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}

    def model(x: np.ndarray) -> np.ndarray:
        y = Ishigami.evaluate(x)
        return np.column_stack([y, np.where(x[:, 2] > 2.8, np.nan, y), np.sin(x[:, 0]),
                                np.full(len(x), 2.0)])

    res = sobol_analysis(problem, model, 512, seed=17, output_names=list("abcd"))
    y = res.outputs.reshape(512, 5, 4)
    for m, name in enumerate("abcd"):
        ok = np.isfinite(y[:, :, m]).all(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = salib_analyze.analyze(problem, y[ok, :, m].ravel(), calc_second_order=False,
                                        seed=17)
        got = res.frame[res.frame.output == name]
        for k in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-12, err_msg=f"{name} {k}")
        assert (got["n_base_used"] == ok.sum()).all()
    assert (res.frame.loc[res.frame.output == "b", "n_base_used"] < 512).all()
    assert (res.frame.loc[res.frame.output == "d", "note"] == "constant").all()


def test_seed_zero_gives_the_same_intervals_twice():
    """SALib reads seed 0 as 'no seed'; here it is a seed (the CIs used to differ run to run)."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    a = sobol_analysis(problem, Ishigami.evaluate, 256, seed=0).frame
    np.random.seed(12345)  # SALib's unseeded draw would follow this global state
    b = sobol_analysis(problem, Ishigami.evaluate, 256, seed=0).frame
    pd.testing.assert_frame_equal(a, b)
    c = sobol_analysis(problem, Ishigami.evaluate, 256, seed=1).frame
    assert not np.allclose(a["ST_conf"], c["ST_conf"])


def test_outputs_are_parsed_and_checked():
    assert parse_outputs(None) == ("index", "rank")
    assert parse_outputs("rank, mean_rank_shift,rank") == ("rank", "mean_rank_shift")
    assert parse_outputs("index,rank,pillars") == ("index", "rank", "pillars")
    with pytest.raises(ValueError, match="unknown output"):
        parse_outputs("rank,dimensions")
    with pytest.raises(ValueError, match="rank or index"):
        parse_outputs(["rank_shift"])


@pytest.fixture(scope="module")
def syn():
    return synthetic_build(zeros=True)


def test_index_model_indices_per_economy(syn):
    _, _, result = syn
    res = run_sensitivity(result, 256, seed=3, num_resamples=50,
                          config=UncertaintyConfig(zeros="spec", exclude_impossible=False))
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
    cfg = UncertaintyConfig(weights="off", imputations=(), zeros="zero")
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
    assert list(tmp_path.glob("fig_sobol_rank*.png"))


def test_more_outputs_on_request_and_timings(syn, tmp_path):
    _, _, result = syn
    cfg = UncertaintyConfig(zeros="zero")
    res = run_sensitivity(result, 128, seed=0, config=cfg, num_resamples=30,
                          outputs="rank,rank_shift,mean_rank_shift")
    df = res.frame
    assert list(dict.fromkeys(df.output)) == ["rank", "rank_shift", "mean_rank_shift"]
    summary = df[df.output == "mean_rank_shift"]
    assert (summary.iso3 == "all").all() and len(summary) == df.factor.nunique()
    # the mean shift is the mean of the per-economy shifts, evaluation by evaluation
    shift = np.abs(res.outputs.rank - res.design.nominal_rank)
    assert shift.mean(axis=1).max() > 0
    # an economy whose rank never moves has a constant shift
    still = df[(df.output == "rank") & (df.note == "constant")].iso3.unique()
    assert set(still) == set(df[(df.output == "rank_shift") & (df.note == "constant")].iso3)
    t = res.timings
    assert set(t) == {"design", "sample", "model", "estimate", "assemble"}
    assert sum(t.values()) == pytest.approx(res.seconds, rel=0.05, abs=0.01)
    assert 0 < res.outside_model_share < 1
    only_index = run_sensitivity(result, 32, seed=0, config=cfg, num_resamples=10,
                                 outputs="index")
    assert only_index.headline == "index" and set(only_index.frame.output) == {"index"}
    paths = write_sensitivity(only_index, tmp_path)
    assert list(tmp_path.glob("fig_sobol_index*.png")) and "sobol" in paths


def test_default_seed_is_reproducible_end_to_end(syn):
    _, _, result = syn
    cfg = UncertaintyConfig(zeros="zero")
    a = run_sensitivity(result, 64, config=cfg, num_resamples=20)
    b = run_sensitivity(result, 64, config=cfg, num_resamples=20)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def _printed_literals(path) -> list[str]:
    """The literal text of every print() call in a script (f-string fields left out)."""
    out = []

    def parts(node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            for v in node.values:
                parts(v)  # FormattedValue: a computed field, skipped
        elif isinstance(node, ast.BinOp):
            parts(node.left)
            parts(node.right)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            for arg in node.args:
                parts(arg)
    return out


def test_benchmarks_print_no_typed_in_figure():
    """Every number a benchmark prints is computed in the run or read from the recorded data."""
    scripts = sorted((REPO / "benchmarks").glob("bench_*.py"))
    assert {p.name for p in scripts} >= {"bench_uncertainty.py", "bench_sensitivity.py",
                                         "bench_asem.py"}
    for path in scripts:
        typed = [t for t in _printed_literals(path) if re.search(r"\d", t)]
        assert not typed, f"{path.name} prints typed-in figures: {typed}"


def test_coinr_reference_is_recorded_data_with_provenance():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from _reference import describe, load_reference
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    rows = load_reference()
    assert {(r["sa_type"], r["N"]) for r in rows} >= {("UA", 100), ("SA", 100), ("SA", 500)}
    for r in rows:
        assert r["coinr_version"] and r["date"] and r["machine"] and "get_sensitivity" in \
            str(r["command"])
        assert r["seconds_per_replicate"] == pytest.approx(r["seconds"] / r["replicates"])
        assert describe(r).startswith("recorded (not measured in this run)")


def test_weights_alone_are_one_factor(syn):
    """One group holding every input is one factor: N·(1 + 2) evaluations (SALib's sampler
    would lay out one block per input here, which its analyser then cannot read)."""
    _, _, result = syn
    cfg = UncertaintyConfig(normalisations=(), aggregations=(), imputations=(),
                            leave_one_out=False, zeros="zero")
    res = run_sensitivity(result, 256, seed=2, config=cfg, num_resamples=20)
    assert res.n_evaluations == 256 * 3 and set(res.frame.factor) == {"weights"}
    moved = res.frame[(res.frame.output == "index") & (res.frame.note != "constant")]
    assert len(moved) > 10
    # the only factor explains all of the variance
    assert moved["ST"].median() == pytest.approx(1.0, abs=0.15)
    assert moved["S1"].median() == pytest.approx(1.0, abs=0.15)


def test_cli_outputs_option(syn, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aidi.cli import app
    from aidi.commands import robustness

    monkeypatch.setattr(robustness, "_nominal", lambda *a: synthetic_api_build(syn))
    runner = CliRunner()
    r = runner.invoke(app, ["sensitivity", "--samples", "64", "--out", str(tmp_path),
                            "--zeros", "zero", "--outputs", "index,mean_rank_shift",
                            "--resamples", "20"])
    assert r.exit_code == 0, r.output
    assert "model evaluations" in r.output and "each economy's index" in r.output
    df = pd.read_csv(tmp_path / "sensitivity" / "sobol.csv")  # each command's own subfolder
    assert set(df.output) == {"index", "mean_rank_shift"}
    assert (tmp_path / "sensitivity" / "fig_sobol_index_en.svg").exists()
    r = runner.invoke(app, ["sensitivity", "--samples", "64", "--out", str(tmp_path),
                            "--outputs", "rank_shift"])
    assert r.exit_code == 2 and "rank or index" in r.output
