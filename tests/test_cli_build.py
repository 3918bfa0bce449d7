"""End-to-end: `aidi build` on the embedded snapshot, checking the output contract.

One full build (with the robustness sections) per module, reused by every assertion; the few
other builds are the ones whose options change the outputs.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from aidi.cli import COMMAND_MODULES, COMMANDS, app
from aidi.countries import TARGET_20
from aidi.report import filenames as fn

DIMENSIONS = ["compute", "algorithms", "data", "finance", "exposure_scale", "diffusion", "policy"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    res = CliRunner().invoke(app, ["build", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_scores_contract(built):
    out, _ = built
    scores = pd.read_csv(out / fn.SCORES_CSV)
    assert list(scores.columns[:7]) == ["iso3", "name_en", "name_zh", "index", "rank",
                                        "technology_activity", "market_friendliness"]
    assert set(DIMENSIONS) <= set(scores.columns)
    assert sorted(scores.iso3) == sorted(TARGET_20)
    usa = scores.set_index("iso3").loc["USA"]
    for col in ["index", "technology_activity", "market_friendliness", *DIMENSIONS]:
        assert usa[col] == pytest.approx(1.0, abs=1e-12)
    assert scores["rank"].tolist() == sorted(scores["rank"])
    # Index = √(TA × MF), with both pillars relative to the USA.
    np.testing.assert_allclose(scores["index"], np.sqrt(scores.technology_activity
                                                        * scores.market_friendliness), rtol=1e-5)
    assert scores.set_index("iso3").loc["CHN", "name_zh"] == "中国"


def test_reproduction_table(built):
    out, output = built
    rep = pd.read_csv(out / fn.REPRODUCTION_CSV)
    assert {"iso3", "measure", "published", "ours", "difference"} <= set(rep.columns)
    assert len(rep[rep.kind == "published"]) == 9  # CHN ×3, DEU JPN GBR ×2
    assert "Mean absolute difference" in output
    np.testing.assert_allclose(rep.difference, rep.ours - rep.published, atol=1e-5)


def test_figures_and_report(built):
    out, _ = built
    stems = [fn.fig_index_bar("en"), fn.fig_pillar_scatter("en"),
             fn.fig_focus_profile("CHN", "en"), fn.fig_reproduction("en"), fn.fig_exposure("en"),
             fn.fig_uncertainty("en"), fn.fig_sobol("rank", "en"), fn.fig_audit("en")]
    for stem in stems:  # the SVG the report embeds; PNG only with --png
        assert (out / (stem + ".svg")).stat().st_size > 1000, stem
        assert not (out / (stem + ".png")).exists(), stem
    html = (out / fn.REPORT_HTML).read_text(encoding="utf-8")
    assert "China" in html and "Reproduction" in html
    for sid in ("summary", "ranking", "pillars", "focus", "exposure", "statements",
                "uncertainty", "sensitivity", "audit", "methodology", "appendix"):
        assert f'id="{sid}"' in html, sid
    assert 'src="http' not in html and 'href="http' not in html
    assert "@font-face" in html  # the CJK subset travels with the page
    assert "&lt;h4&gt;" not in html and "<h4>" not in html


def test_wrote_n_outputs_counts_real_files(built):
    out, output = built
    from aidi.output_set import MANIFEST, read_manifest

    n = int(output.split("wrote ")[-1].split(" outputs")[0])
    files = [p for p in out.iterdir() if p.is_file() and p.name != MANIFEST]
    assert n == len(files) == len(read_manifest(out)["sets"]["build"]["files"])


@pytest.mark.slow
def test_build_zh_and_focus(tmp_path):
    res = CliRunner().invoke(app, ["build", "--out", str(tmp_path), "--lang", "zh",
                                   "--focus", "JPN", "--no-robustness"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / (fn.fig_focus_profile("JPN", "zh") + ".svg")).exists()
    html = (tmp_path / fn.REPORT_HTML).read_text(encoding="utf-8")
    assert "日本" in html and "中国" in html
    assert "已写入" in res.output and "wrote" not in res.output  # the terminal follows --lang


def test_build_is_bit_for_bit_deterministic(built, tmp_path):
    out, _ = built
    res = CliRunner().invoke(app, ["build", "--out", str(tmp_path), "--no-robustness",
                                   "--no-figures"])
    assert res.exit_code == 0
    for name in (fn.SCORES_CSV, fn.CONTRIBUTIONS_CSV, fn.INDICATORS_CSV):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes()
    assert not list(tmp_path.glob("fig_*"))  # --no-figures draws nothing


def test_bad_spec_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: {en: X}\nroot:\n  id: r\n  name: {en: R}\n  children: []\n",
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["build", "--spec", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code in (1, 2)
    assert "root.children" in res.output


@pytest.mark.slow
def test_calibration_is_separate_and_reported(tmp_path):
    res = CliRunner().invoke(app, ["build", "--out", str(tmp_path), "--calibrate",
                                   "--no-robustness", "--no-figures"])
    assert res.exit_code == 0, res.output
    assert "Calibration of dimension weights" in res.output
    fit = pd.read_csv(tmp_path / fn.CALIBRATION_FIT_CSV)
    assert (fit.ours_calibrated - fit.published).abs().mean() <= \
        (fit.ours_spec - fit.published).abs().mean() + 1e-12
    # the default outputs are the documented spec's, not the calibrated ones
    scores = pd.read_csv(tmp_path / fn.SCORES_CSV).set_index("iso3")
    spec_chn = fit[(fit.iso3 == "CHN") & (fit.measure == "index")].ours_spec.iloc[0]
    assert scores.loc["CHN", "index"] == pytest.approx(spec_chn, rel=1e-5)


@pytest.mark.slow
def test_countries_all_builds_and_reports_what_was_dropped(tmp_path):
    res = CliRunner().invoke(app, ["build", "--countries", "all", "--no-robustness",
                                   "--no-figures", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / fn.SCORES_CSV)
    assert len(scores) > 40 and set(TARGET_20) <= set(scores.iso3)
    assert "dropped for lack of data" in res.output
    log = pd.read_csv(tmp_path / fn.BUILD_LOG_CSV)
    assert (log.step == "screen").any()
    # an economy missing a pillar is listed but not ranked (coverage rules, issue 11)
    ranked = scores[scores["rank"].notna()]
    assert ranked["index"].notna().all() and set(TARGET_20) <= set(ranked.iso3)
    assert scores.loc[scores["index"].isna(), "rank"].isna().all()


@pytest.mark.slow
def test_countries_group_name(tmp_path):
    """The whole command with a group name (the default tier builds the same group through
    the API: tests/test_reliability_units.py)."""
    res = CliRunner().invoke(app, ["build", "--countries", "G7", "--no-robustness",
                                   "--no-figures", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert sorted(pd.read_csv(tmp_path / fn.SCORES_CSV).iso3) == sorted(
        ["USA", "JPN", "DEU", "GBR", "FRA", "ITA", "CAN"])


# --- the command line loads lazily ----------------------------------------------------------

def test_help_lists_every_command_as_registered():
    """`aidi --help` reads COMMANDS; it must match what the modules register."""
    for module in COMMAND_MODULES:
        sub = typer.Typer()
        importlib.import_module(f"aidi.commands.{module}").register(sub)
        got = {name: ("" if cmd.hidden else cmd.get_short_help_str(limit=300))
               for name, cmd in typer.main.get_group(sub).commands.items()}
        assert got == COMMANDS[module], module


def test_help_is_fast_and_imports_no_heavy_module():
    """Fast by construction (no heavy import), not by a timed assert: wall-clock time on a
    shared machine says nothing (timings belong in benchmarks/)."""
    code = ("import sys; from aidi.cli import app\n"
            "from typer.testing import CliRunner\n"
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy', 'rich.progress') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "[]", res.stdout


def test_explain_is_readable_at_80_columns(monkeypatch):
    """Vertical layout: every value whole (no "…"), no line wider than the terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    res = CliRunner().invoke(app, ["explain", "CHN"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in res.output
    text = " ".join(res.output.split())
    assert "epoch.gpu_clusters.h100e" in text and "ln(score)" in text
    zh = CliRunner().invoke(app, ["explain", "CHN", "--lang", "zh"])
    assert "得分" in zh.output and " score " not in zh.output and "contribution" not in zh.output


def test_readme_file_list_matches_the_build(built):
    """Every file the README's table names (patterns aside) is what a build writes."""
    import re
    from pathlib import Path

    out, _ = built
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What `aidi build` writes")[1].split("## ")[0]
    names = [n for n in re.findall(r"`([\w.]+\.(?:csv|xlsx|html))`", table)]
    assert len(names) >= 10
    for name in names:
        assert (out / name).is_file(), name
    for stem in re.findall(r"`(\w+)`", table.split("fig_<name>_<lang>")[1].splitlines()[0]):
        stem = f"fig_{stem}_en"
        assert any(p.name.startswith(stem) for p in out.iterdir()), stem


def test_every_csv_is_byte_identical_to_the_golden_set(built):
    """Issue 22's refactors promise unchanged numbers: the default build's CSVs equal the
    stored set (tests/_golden_build.py) byte for byte. A change meant to move numbers
    regenerates the set (`python tests/_golden_build.py`) and commits it beside the reason."""
    from tests._golden_build import golden_files

    out, _ = built
    golden = golden_files()
    produced = {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}
    assert sorted(produced) == sorted(golden), "the build's CSV files are not the stored set"
    for name, want in golden.items():
        got = produced[name]
        if got != want:
            line = next(i for i, (a, b) in enumerate(zip(got.splitlines() + [b""],
                                                           want.splitlines() + [b""],
                                                           strict=False)) if a != b)
            pytest.fail(f"{name} differs from the golden set at line {line + 1}:\n"
                        f"  now:    {got.splitlines()[line:line + 1]}\n"
                        f"  stored: {want.splitlines()[line:line + 1]}\n"
                        "if the change is meant, run `python tests/_golden_build.py`")
