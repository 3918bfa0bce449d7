"""Issue #10, class 6: the same inputs and seed give byte-identical files.

No wall-clock time in any output (`$SOURCE_DATE_EPOCH` is honoured when set), SVGs with a
fixed hash salt, and seeded analyses (seed 0 included) that repeat exactly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from aidi.errors import AidiError
from aidi.io import reproducible_timestamp
from tests._reliability import cli


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_timestamp_honours_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert reproducible_timestamp() == ""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert reproducible_timestamp() == "2023-11-14 22:13 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(AidiError, match="SOURCE_DATE_EPOCH"):
        reproducible_timestamp()


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "no-store.duckdb"))
    for name in ("a", "b"):
        run = cli("build", "--no-robustness", "--out", tmp_path / name)
        assert run.code == 0 and run.exception is None, run.output
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert "report.html" in a and any(k.endswith(".svg") for k in a)
    assert a == b


def test_two_exposure_runs_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "no-store.duckdb"))
    for name in ("a", "b"):
        run = cli("exposure", "--no-sensitivity", "--out", tmp_path / name)
        assert run.code == 0 and run.exception is None, run.output
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert any(k.endswith(".svg") for k in a) and a == b


@pytest.mark.parametrize("seed", [0, 7])
def test_sensitivity_repeats_with_the_same_seed(seed):
    import aidi

    b = aidi.build()
    one = b.sensitivity(16, seed=seed, num_resamples=20).frame
    two = b.sensitivity(16, seed=seed, num_resamples=20).frame
    assert one.equals(two)
