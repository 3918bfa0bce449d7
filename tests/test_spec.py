"""Spec validation: errors name the file, line, path and reason."""

import copy

import pytest

from aidi.specs.loader import SpecError, format_path, load_spec, spec_from_dict
from tests.conftest import TINY_SPEC


def _yaml(tmp_path, data):
    import yaml

    p = tmp_path / "spec.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return p


def test_negative_weight_names_path_line_and_value(tmp_path):
    bad = copy.deepcopy(TINY_SPEC)
    bad["root"]["children"][1]["children"][0]["weight"] = -1
    path = _yaml(tmp_path, bad)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    msg = str(err.value)
    assert "root.children[1].children[0].weight" in msg
    assert "greater than or equal to 0" in msg and "got -1" in msg
    assert f"{path}:" in msg and msg.split(f"{path}:")[1].split(":")[0].isdigit()


def test_unknown_field_and_bad_method_are_reported():
    bad = copy.deepcopy(TINY_SPEC)
    bad["root"]["aggregate"] = {"method": "median"}
    bad["root"]["children"][0]["colour"] = "red"
    with pytest.raises(SpecError) as err:
        spec_from_dict(bad)
    assert "root.aggregate.method" in str(err.value)
    assert "root.children[0].colour" in str(err.value)


def test_duplicate_ids_rejected():
    bad = copy.deepcopy(TINY_SPEC)
    bad["root"]["children"][1]["children"][0]["id"] = "a"
    with pytest.raises(SpecError, match="more than once"):
        spec_from_dict(bad)


def test_year_window_checked():
    bad = copy.deepcopy(TINY_SPEC)
    bad["defaults"] = {"years": {"start": 2023, "end": 2021}}
    with pytest.raises(SpecError, match="start"):
        spec_from_dict(bad)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(SpecError, match="no such spec"):
        load_spec(tmp_path / "nope.yaml")
    p = tmp_path / "x.yaml"
    p.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(p)


def test_format_path():
    assert format_path(["root", "children", 1, "weight"]) == "root.children[1].weight"


def test_spec_is_immutable():
    spec = spec_from_dict(TINY_SPEC)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type
        spec.id = "x"
