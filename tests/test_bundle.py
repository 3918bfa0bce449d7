"""`Build.analyses()`: one typed, immutable bundle, computed once, rendered by the presenters."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import aidi
from aidi.analysis.bundle import ANALYSES, Analyses, check_include
from aidi.analysis.tables import indicators_frame, scores_frame
from aidi.errors import UnknownUnitError, UsageError


@pytest.fixture(scope="module")
def tiny_build():
    from aidi.specs.loader import spec_from_dict
    from tests.conftest import TINY_SPEC, tiny_observations

    return aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())


@pytest.fixture(scope="module")
def tiny_bundle(tiny_build) -> Analyses:
    return tiny_build.analyses(n_samples=40, n_base=8, seed=3)


def test_bundle_is_frozen_and_typed(tiny_bundle: Analyses) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny_bundle.audit = None  # type: ignore[misc]
    assert tiny_bundle.include == tuple(a for a in ANALYSES if a != "calibration")
    assert tiny_bundle.calibration is None  # not asked for
    assert tiny_bundle.reference == "USA" and tiny_bundle.focus == "CHN"
    assert tiny_bundle.lineage is not None and tiny_bundle.lineage.unit == "CHN"
    assert tiny_bundle.exposure is None  # the tiny spec reads no model series
    assert tiny_bundle.aggregates == ("ta", "mf")


def test_bundle_frames_are_the_analyses_own(tiny_build, tiny_bundle: Analyses) -> None:
    """What the bundle holds is what the analysis functions return for the build."""
    from aidi.analysis.audit import audit
    from aidi.analysis.flags import flag_counts

    pd.testing.assert_frame_equal(tiny_bundle.scores,
                                  scores_frame(tiny_build.result, tiny_build.observations))
    pd.testing.assert_frame_equal(tiny_bundle.indicators, indicators_frame(tiny_build.result))
    pd.testing.assert_frame_equal(tiny_bundle.audit.flags, audit(tiny_build.result).flags)
    assert tiny_bundle.flags.counts == flag_counts(tiny_build.result, tiny_build.observations)


def test_robustness_in_a_worker_equals_inline(tiny_build, tiny_bundle: Analyses) -> None:
    """The Sobol analysis run in a forked worker gives the numbers of the inline run, and the
    Monte-Carlo those of `Build.uncertainty` with the same seed."""
    inline = tiny_build.analyses(include=("uncertainty", "sensitivity"), n_samples=40,
                                 n_base=8, seed=3, parallel=False)
    pd.testing.assert_frame_equal(tiny_bundle.sensitivity.frame, inline.sensitivity.frame)
    pd.testing.assert_frame_equal(tiny_bundle.uncertainty.summary(),
                                  tiny_build.uncertainty(n_samples=40, seed=3).summary())
    assert inline.audit is None and inline.scores is None


def test_include_and_parameters_are_checked(tiny_build) -> None:
    assert check_include(["audit", "tables"]) == ("tables", "audit")  # computing order
    with pytest.raises(UsageError, match="unknown analysis 'sobol'"):
        tiny_build.analyses(include=("sobol",))
    with pytest.raises(UsageError, match="n_samples"):
        tiny_build.analyses(n_samples=0)
    with pytest.raises(UsageError, match="include"):
        tiny_build.analyses(include=5)
    with pytest.raises(UnknownUnitError):
        tiny_build.analyses(include="lineage", focus="Atlantis")
    only = tiny_build.analyses(include="lineage", focus="germany")
    assert only.focus == "DEU" and only.lineage.unit == "DEU" and only.audit is None


def test_scenarios_rebuild_through_the_build(tiny_build) -> None:
    from aidi.analysis.scenarios import Change, Scenario

    sc = Scenario(id="double", name={"en": "double"},
                  changes=(Change(units=("china",), indicators=("a",), multiply=2.0),))
    bundle = tiny_build.analyses(include=(), scenarios=[sc])
    (res,) = bundle.scenarios
    changed = tiny_build.with_changes(sc)
    row = res.comparison.set_index(["iso3", "measure"]).loc[("CHN", "index")]
    assert row["scenario"] == pytest.approx(changed.relative().loc["CHN", "index"])
    assert row["scenario"] > row["nominal"]


# ---- the presenters only render the bundle -------------------------------------------------
def _forbid_analyses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every function of the analysis layer and of the inputs (the exposure model lives
    there), and the engine's build, raise: a presenter that computes instead of rendering the
    bundle fails loudly."""
    import importlib
    import inspect
    import pkgutil

    import aidi.analysis
    import aidi.engine.pipeline

    def forbidden(where: str):
        def call(*args, **kwargs):
            raise AssertionError(f"a presenter called {where}")
        return call

    import aidi.inputs
    import aidi.report

    # import every module first: one imported while patched would keep a raising function
    # under its own name after the patch is undone
    for pkg in (aidi.analysis, aidi.inputs, aidi.report):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
    for info in [*pkgutil.walk_packages(aidi.analysis.__path__, "aidi.analysis."),
                 *pkgutil.walk_packages(aidi.inputs.__path__, "aidi.inputs.")]:
        mod = importlib.import_module(info.name)
        for name, obj in list(vars(mod).items()):
            if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
                monkeypatch.setattr(mod, name, forbidden(f"{info.name}.{name}"))
    monkeypatch.setattr(aidi.engine.pipeline, "build", forbidden("aidi.engine.pipeline.build"))


@pytest.fixture(scope="module")
def default_bundle() -> Analyses:
    """The default build's bundle with small robustness runs (the numbers are not the point)."""
    return aidi.build().analyses(n_samples=40, n_base=8, seed=1)


def test_report_csvs_are_the_bundles_frames(default_bundle: Analyses, tmp_path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CSV `aidi build` writes is a frame of the bundle, byte for byte, and writing the
    tables, the workbook and the report calls no analysis function and no engine build."""
    from aidi.io import write_csv
    from aidi.report import build_report
    from aidi.report import filenames as fn
    from aidi.report.build_report import write_build_report
    from aidi.report.sections.view import ReportView
    from aidi.report.why_differ import reproduction_with_why
    from aidi.report.writers import write_build_outputs

    b = default_bundle
    expected = {
        fn.SCORES_CSV: b.scores, fn.INDICATORS_CSV: b.indicators,
        fn.CONTRIBUTIONS_CSV: b.result.contributions, fn.BUILD_LOG_CSV: b.result.log_frame(),
        fn.REPRODUCTION_CSV: reproduction_with_why(b.reproduction.table, b.why),
        fn.REPRODUCTION_CHECKS_CSV: b.statements, fn.EXPOSURE_CSV: b.exposure.long,
        fn.EXPOSURE_SUMMARY_CSV: b.exposure.summary,
        fn.EXPOSURE_VS_SOURCE_CSV: b.exposure.vs_source}
    _forbid_analyses(monkeypatch)
    out = tmp_path / "out"
    paths = write_build_outputs(b, out)
    paths.update(write_build_report(b, out, figures=False))
    view = ReportView.of(b, "en")
    for module in build_report.CHARTS:  # the charts' data, without drawing them
        assert all(c.args for c in module.charts(view))
    monkeypatch.undo()
    written = {p.name for p in paths.values() if p.suffix == ".csv"}
    assert written == set(expected)
    for name, frame in expected.items():
        again = write_csv(frame, tmp_path / "again" / name)
        assert (out / name).read_bytes() == again.read_bytes(), name
    assert (out / fn.SCORES_XLSX).is_file() and (out / fn.REPORT_HTML).is_file()


def test_report_refuses_a_bundle_without_what_it_needs(tiny_build, tmp_path) -> None:
    from aidi.report.build_report import write_build_report

    with pytest.raises(UsageError, match="flags, audit"):
        write_build_report(tiny_build.analyses(include="tables"), tmp_path, figures=False)
