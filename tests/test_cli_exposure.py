"""End-to-end: `aidi exposure` on the snapshot, and swapping the exposure table."""

import pandas as pd
from typer.testing import CliRunner

from aidi.cli import app
from aidi.countries import TARGET_20
from aidi.inputs.exposure_model import INDUSTRIES


def test_exposure_command_writes_the_contract(tmp_path):
    res = CliRunner().invoke(app, ["exposure", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    long = pd.read_csv(tmp_path / "exposure.csv")
    assert list(long.columns) == ["iso3", "industry", "value_added_share", "exposure",
                                  "contribution"]
    assert set(long.iso3) == set(TARGET_20) and set(long.industry) == set(INDUSTRIES)
    summ = pd.read_csv(tmp_path / "exposure_summary.csv")
    assert {"iso3", "exposed_share", "exposure_scale", "diffusion"} <= set(summ.columns)
    assert summ.exposed_share.between(0, 1).all()
    # exposed share = Σ industry contributions, per economy
    total = long.groupby("iso3").contribution.sum()
    pd.testing.assert_series_equal(total.reindex(summ.iso3).reset_index(drop=True),
                                   summ.exposed_share, check_names=False, atol=1e-6)
    sens = pd.read_csv(tmp_path / "exposure_sensitivity.csv")
    assert set(sens.exposure_table) == {"aiie", "lm_aiie", "ig_aiie"}
    assert "Against the source" in res.output


def test_user_exposure_table_bad_row_is_named(tmp_path):
    bad = tmp_path / "mine.csv"
    bad.write_text("industry,exposure\nAB,0.1\nD,lots\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["exposure", "--exposure-table", str(bad), "--out",
                                   str(tmp_path / "o"), "--no-sensitivity"])
    assert res.exit_code == 1  # bad input (2 is for usage errors)
    assert "mine.csv" in res.output and "row 3" in res.output
