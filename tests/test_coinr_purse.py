"""A COINr purse (panel iData with Time) read as aidi editions and COINr's get_trends, against
COINr 1.1.14's own numbers (tests/fixtures/coinr_reference/asem_purse.csv.gz: the header names
the R calls; asem_idata_p.csv.gz is COINr's ASEM_iData_p)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from aidi.analysis.purse import (
    build_purse,
    cagr,
    get_trends,
    panel_frame,
    prc_change,
    raw_frame,
)
from aidi.sources.coinr import CoinTableError
from aidi.sources.coinr_panel import panel_times, read_purse
from tests._coinr_reference import ASEM, FIXTURES, HAVE_ASEM

STEPS = {"steps": [{"screen": {"dat_thresh": 0.9}}, {"treat": {"f1_para": {"winmax": 5}}},
                   {"normalise": {"f_n": "n_minmax"}}, {"aggregate": {"f_ag": "a_amean"}}]}


@pytest.fixture(scope="module")
def purse(tmp_path_factory):
    if not HAVE_ASEM:
        pytest.skip("ASEM iMeta not present")
    path = tmp_path_factory.mktemp("purse") / "ASEM_iData_p.csv"
    path.write_bytes(gzip.decompress((FIXTURES / "asem_idata_p.csv.gz").read_bytes()))
    panel = read_purse(path, ASEM / "ASEM_iMeta.csv", STEPS)
    return panel, build_purse(panel)


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(FIXTURES / "asem_purse.csv.gz", comment="#", skipinitialspace=True)


def test_panel_times_and_editions(purse):
    panel, builds = purse
    assert sorted(builds) == [2018, 2019, 2020, 2021, 2022]
    assert panel.spec.editions.base == 2018
    # each Time's spec reads that year's values (aidi.specs.editions moved the year rule)
    r = builds[2021]
    obs = panel.observations
    lpi = obs[(obs.series == "LPI") & (obs.year == 2021)].set_index("iso3")["value"]
    np.testing.assert_array_equal(r.data["LPI"].dropna(), lpi.reindex(r.data.index).dropna())


def test_purse_aggregates_equal_coinr_per_time(purse, ref):
    _, builds = purse
    want = ref[ref.table == "aggregated"]
    ours = panel_frame(builds).melt(id_vars=["uCode", "Time"], var_name="iCode",
                                    value_name="ours")
    m = want.merge(ours, on=["uCode", "Time", "iCode"], how="outer")
    assert len(m) == len(want)  # same units screened out in every Time (46 of 51 kept)
    np.testing.assert_allclose(m["ours"], m["value"].astype(float), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("table", "stage", "cols", "kw", "rtol"), [
    ("trend_agg", "scores", None, {"f_trend": "CAGR"}, 1e-9),
    ("trend_raw", "raw", ["LPI", "Flights", "CO2", "Goods", "Tariff"],
     {"f_trend": "prc_change", "directions": "spec"}, 1e-6),   # R's lm on raw years: ~1e-8
    ("trend_latest", "raw", ["LPI", "Flights", "CO2"], {"f_trend": "CAGR", "use_latest": 3},
     1e-9)])
def test_get_trends_equal_coinr(purse, ref, table, stage, cols, kw, rtol):
    panel, builds = purse
    if kw.get("directions") == "spec":
        kw = {**kw, "directions": {i.id: i.direction for i in panel.spec.indicators()}}
    frame = raw_frame(panel) if stage == "raw" else panel_frame(builds, stage)
    ours = get_trends(frame, cols, **kw)
    want = ref[ref.table == table]
    m = want.merge(ours, on=["uCode", "iCode"], how="left")
    assert len(m) == len(want) and len(want) > 100
    np.testing.assert_allclose(m[kw["f_trend"]], m["value"].astype(float), rtol=rtol,
                               atol=1e-12)
    np.testing.assert_array_equal(m["Avail_x"], m["Avail_y"])


def test_trend_functions_by_hand():
    t = np.array([2018.0, 2019, 2020, 2021])
    assert cagr(np.array([100.0, np.nan, 110, 121]), t) == pytest.approx(1.21 ** (1 / 3) - 1)
    assert cagr(np.array([5.0, 1, 2, 5]), t) == 0.0          # first = last: 0, as COINr
    assert np.isnan(cagr(np.array([5.0, np.nan, np.nan, np.nan]), t))
    assert prc_change(np.array([100.0, 110]), t[:2]) == pytest.approx(10.0)
    # y = 2 + t': slope 1, fitted value at the first year 2 → 50 % per year
    assert prc_change(np.array([2.0, 3, 4, 5]), t) == pytest.approx(50.0)
    assert prc_change(np.array([3.0, 3, 3, 3]), t) == 0.0


def test_a_table_without_time_is_not_a_purse(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("uCode,x\nA,1\n", encoding="utf-8")
    with pytest.raises(CoinTableError, match="no 'Time' column"):
        panel_times(p)
