"""Issue #25, classes 7 and 8: the API's raw exceptions the red team found, and three
misleading messages — each now an `AidiError` naming the parameter (or option) and the fix.

(The common checks over every public entry point belong to the API redesign, issue 22.)
"""

from __future__ import annotations

import os
import sys

import pytest

import aidi
from aidi.errors import AidiError, UsageError
from aidi.specs.loader import SpecError, spec_from_dict
from tests._reliability import assert_clean_error, cli
from tests.conftest import TINY_SPEC, tiny_observations


@pytest.fixture(scope="module")
def tiny():
    return aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())


def test_a_spec_given_as_a_dict_is_validated_like_a_file():
    b = aidi.build(dict(TINY_SPEC), data=tiny_observations())
    assert b.spec.id == "tiny"
    with pytest.raises(SpecError, match=r"<spec given as a dict>: root: field required"):
        aidi.build({"id": "x", "name": {"en": "X"}}, data=tiny_observations())


@pytest.mark.parametrize(("kwargs", "fragments"), [
    ({"spec": 5}, ("spec must be", "YAML path", "got int 5")),
    ({"countries": 5}, ("countries must be", "['USA', 'CHN']", "got int 5")),
    ({"countries": ["USA", 3]}, ("countries", "got 3")),
    ({"countries": []}, ("countries is an empty list",)),
    ({"min_availability": "half"}, ("min_availability must be a number from 0 to 1",
                                    "'half'")),
    ({"min_availability": 1.5}, ("min_availability", "1.5")),
])
def test_build_arguments(kwargs, fragments):
    spec = kwargs.pop("spec", spec_from_dict(TINY_SPEC))
    with pytest.raises(UsageError) as err:
        aidi.build(spec, data=tiny_observations(), **kwargs)
    for f in fragments:
        assert f in str(err.value)


@pytest.mark.parametrize(("call", "fragments"), [
    (lambda b: b.with_weights([0.5]), ("weights must be a mapping of node ids", "{'data': 0.5}")),
    (lambda b: b.uncertainty(n_samples=10, seed=-1), ("seed must be a whole number >= 0",)),
    (lambda b: b.sensitivity(n_base=8, seed=1.5), ("seed", "1.5")),
    (lambda b: b.compare("CHN"), ("other must be another aidi.Build", "'CHN'")),
    (lambda b: b.diff("CHN"), ("other must be another aidi.Build",)),
    (lambda b: b.with_units(5), ("units must be",)),
    (lambda b: b.with_changes(5), ("scenario must be a Scenario",)),
    (lambda b: b.explain(5), ("unit must be a unit code or name",)),
    (lambda b: b.explain("CHN", 3), ("node must be a node id", "'index'")),
])
def test_build_methods(tiny, call, fragments):
    with pytest.raises(UsageError) as err:
        call(tiny)
    for f in fragments:
        assert f in str(err.value)


def test_sensitivity_samples_one_names_the_option(tmp_path):
    run = cli("sensitivity", "--samples", "1", "--out", tmp_path / "o")
    assert_clean_error(run, 2, "--samples", "2")  # typer's range check, before any build
    assert "n_base" not in run.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_import_of_a_folder_or_a_pipe_says_what_it_is(tmp_path, kind):
    if kind == "fifo":
        if not hasattr(os, "mkfifo") or sys.platform == "win32":
            pytest.skip("no named pipes here")
        target = tmp_path / "pipe.csv"
        os.mkfifo(target)
        expected = "named pipe (FIFO), not a regular file"
    else:
        target = tmp_path / "data"
        target.mkdir()
        expected = "is a folder; give the CSV or XLSX file inside it"
    run = cli("data", "import", target, "--store", tmp_path / "s.duckdb")
    assert_clean_error(run, 1, expected)
    assert "no such file" not in run.output


def test_every_new_error_is_an_aidi_error():
    from aidi.engine.guards import NumericGuardError, StepError
    from aidi.output_set import OutputBusy

    for cls in (NumericGuardError, StepError, OutputBusy):
        assert issubclass(cls, AidiError)


def test_a_coinr_unit_with_every_value_missing_is_built_unranked_not_unknown(tmp_path):
    """It was "unknown unit 'EEE': no such code" — though iData lists it."""
    from tests._reliability import DATA, coin_tables

    d, m = coin_tables(tmp_path / "in", data=DATA + "Empty,EEE,2020,NA,NA,NA\n")
    b = aidi.build(data=aidi.read_coin(d, m))
    assert "EEE" in b.units
    assert b.ranks.loc["EEE"].isna().all() and b.ranks.loc["AAA"].notna().all()
    log = b.log
    assert set(log[log.code == "unranked"].unit) == {"EEE"}
    run = cli("build", "--coin-data", d, "--coin-meta", m, "--out", tmp_path / "o")
    assert run.code == 0 and "unknown unit" not in run.output
