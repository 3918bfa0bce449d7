"""Issue #10, class 7: resource guards.

Monte-Carlo runs are estimated before any array is allocated and refused above the limit
(with the estimate and the largest size that fits); the estimate is an upper bound of the
measured peak; specs are parsed once, with the C loader, and capped in size.
"""

from __future__ import annotations

import tracemalloc

import pytest
import yaml

from aidi.analysis import budget
from aidi.errors import UsageError
from aidi.specs import loader
from tests._reliability import assert_clean_error, cli


@pytest.fixture(scope="module")
def design():
    import aidi
    from aidi.analysis.robustness.design import build_design

    b = aidi.build()
    return b.result, build_design(b.result, None)


def test_a_hundred_million_samples_are_refused_with_the_estimate(design):
    # ten million fit since the outputs are summarised per chunk when they do not fit
    # (aidi.analysis.robustness.summary); the inputs of 10^8 samples alone are 26 GB
    _, d = design
    with pytest.raises(UsageError, match=r"would need about \d+\.\d GB.*--samples [\d,]+ or fewer"):
        budget.check_uncertainty(d, 100_000_000, limit=4 * 1024**3)
    with pytest.raises(UsageError, match="sensitivity"):
        budget.check_sensitivity(d, 10_000_000, limit=4 * 1024**3)


def test_the_suggested_size_fits(design):
    _, d = design
    limit = 256 * 1024**2
    with pytest.raises(UsageError) as err:
        budget.check_uncertainty(d, 10**8, limit=limit)
    fits = int(str(err.value).split("--samples ")[-1].split(" or fewer")[0].replace(",", ""))
    assert budget.check_uncertainty(d, fits, limit=limit) <= limit
    with pytest.raises(UsageError):
        budget.check_uncertainty(d, fits + 1000, limit=limit)


def test_estimate_bounds_the_measured_peak(design):
    from aidi.analysis.uncertainty import run_uncertainty

    result, d = design
    n = 20_000
    tracemalloc.start()
    try:
        run_uncertainty(result, n, 1, design=d).summary()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = budget.plan_uncertainty(d, n).estimate
    assert peak <= estimate <= 1.25 * peak


def test_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIDI_MEMORY_LIMIT_GB", "0.5")
    assert budget.memory_limit() <= 0.5 * 1024**3
    monkeypatch.setenv("AIDI_MEMORY_LIMIT_GB", "lots")
    with pytest.raises(UsageError, match="AIDI_MEMORY_LIMIT_GB"):
        budget.memory_limit()


def test_cli_refuses_before_allocating(tmp_path):
    run = cli("uncertainty", "--samples", "100000000", "--out", tmp_path,
              env={"AIDI_MEMORY_LIMIT_GB": "4"})
    assert_clean_error(run, 2, "GB", "--samples")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_oversized_spec_is_refused_without_parsing(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (loader.MAX_YAML_BYTES // 10 + 1))
    monkeypatch.setattr(loader, "parse_yaml", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(loader.SpecError, match="MB"):
        loader.load_spec(big)


def test_spec_parsed_once_with_the_c_loader(tmp_path, monkeypatch):
    if getattr(yaml, "__with_libyaml__", False):
        assert issubclass(loader.UniqueKeyLoader, yaml.CSafeLoader)
    path = tmp_path / "s.yaml"
    path.write_text(loader.shipped_spec_path("aidi-2024").read_text(encoding="utf-8"))
    calls = []
    real = loader.parse_yaml
    monkeypatch.setattr(loader, "parse_yaml", lambda *a, **k: calls.append(1) or real(*a, **k))
    loader._read_cached.cache_clear()
    assert not loader.is_coin_steps(path)
    loader.load_spec(path)
    loader.load_spec(path)
    assert len(calls) == 1
