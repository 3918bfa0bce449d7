"""COINr 1.1.14's own numbers for the ASEM example with one step varied, and the same builds
written in COINr's syntax for aidi (fixtures: tests/fixtures/coinr_reference/, made by its
generate.R; each file's header names the R call of every variant)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.engine.pipeline import build
from aidi.sources.coinr import read_coin
from tests.conftest import REPO, asem_tables

FIXTURES = REPO / "tests" / "fixtures" / "coinr_reference"
ASEM = asem_tables()[0].parent  # the copy shipped in the package: no raw-data folder needed
HAVE_ASEM = ASEM is not None and (ASEM / "ASEM_iData.csv").is_file()

BASE = {"denominate": {},
        "impute": {"f_i": "i_mean_grp", "use_group": "EurAsia_group"},
        "screen": {"dat_thresh": 0.9, "unit_screen": "byNA"},
        "treat": {"f1_para": {"winmax": 5}},
        "normalise": {"f_n": "n_minmax", "f_n_para": {"l_u": [0, 100]}},
        "aggregate": {"f_ag": "a_amean"}}
ORDER = ("denominate", "impute", "screen", "treat", "normalise", "aggregate")
RAW_SCREEN = ("denominate", "screen", "impute", "treat", "normalise", "aggregate")
N1 = {"f_n": "n_minmax", "f_n_para": {"l_u": [1, 100]}}
NOIMP = {"impute": None}


def _n(f_n: str, **para) -> dict:
    return {"normalise": {"f_n": f_n, **({"f_n_para": para} if para else {})}}


def _t(**specs) -> dict:
    return {"treat": specs}


#: variant → (steps changed from BASE (None = step left out), order); names as in the fixtures
VARIANTS: dict[str, dict[str, tuple[dict, tuple[str, ...]]]] = {
    "normalise": {
        "n_minmax": ({}, ORDER),
        "n_minmax_1_10": (_n("n_minmax", l_u=[1, 10]), ORDER),
        "n_zscore": (_n("n_zscore"), ORDER),
        "n_zscore_10_2": (_n("n_zscore", m_sd=[10, 2]), ORDER),
        "n_scaled": (_n("n_scaled", npara=[-50, 150], scale_factor=10), ORDER),
        "n_scaled_default": (_n("n_scaled"), ORDER),
        "n_prank": (_n("n_prank"), ORDER),
        "n_rank": (_n("n_rank"), ORDER),
        "n_borda": (_n("n_borda"), ORDER),
        "n_dist2max": (_n("n_dist2max"), ORDER),
        "n_dist2ref_DEU": (_n("n_dist2ref", iref="DEU"), ORDER),
        "n_dist2ref_DEU_cap": (_n("n_dist2ref", iref="DEU", cap_max=True), ORDER),
        "n_goalposts": (_n("n_goalposts", gposts=[-20, 60, 100]), ORDER),
        "n_goalposts_notrunc": (_n("n_goalposts", gposts=[-20, 60, 100], trunc2posts=False),
                                ORDER),
        "n_dist2targ": (_n("n_dist2targ", targ=50), ORDER),
        "n_dist2targ_cap": (_n("n_dist2targ", targ=50, cap_max=True), ORDER),
        "none": (_n("none"), ORDER),
        **{f"use_iMeta_{f}": ({"normalise": {"f_n": f, "f_n_para": "use_iMeta"},
                               "_meta": "asem_imeta_norm.csv"}, ORDER)
           for f in ("n_minmax", "n_zscore", "n_goalposts", "n_scaled", "n_dist2targ")},
    },
    "aggregate": {
        "a_amean": ({}, ORDER),
        "a_gmean": ({"normalise": N1, "aggregate": {"f_ag": "a_gmean"}}, ORDER),
        "a_hmean": ({"normalise": N1, "aggregate": {"f_ag": "a_hmean"}}, ORDER),
        "a_genmean_2": ({"normalise": N1, "aggregate": {"f_ag": "a_genmean",
                                                        "f_ag_para": {"p": 2}}}, ORDER),
        "a_genmean_m1": ({"normalise": N1, "aggregate": {"f_ag": "a_genmean",
                                                         "f_ag_para": {"p": -1}}}, ORDER),
        "per_level": ({"normalise": N1, "aggregate": {"f_ag": ["a_amean", "a_gmean",
                                                               "a_hmean"]}}, ORDER),
        "noimpute_amean": (NOIMP, ORDER),
        "noimpute_dat_thresh": ({**NOIMP, "aggregate": {"f_ag": "a_amean", "dat_thresh": 0.8}},
                                ORDER),
        "noimpute_genmean": ({**NOIMP, "normalise": N1, "aggregate": {
            "f_ag": "a_genmean", "f_ag_para": {"p": 2}}}, ORDER),
        "noimpute_gmean": ({**NOIMP, "normalise": N1, "aggregate": {"f_ag": "a_gmean"}}, ORDER),
        "noimpute_hmean": ({**NOIMP, "normalise": N1, "aggregate": {"f_ag": "a_hmean"}}, ORDER),
    },
    "impute": {
        "i_mean_grp": ({}, ORDER),
        "i_mean": ({"impute": {"f_i": "i_mean"}}, ORDER),
        "i_median": ({"impute": {"f_i": "i_median"}}, ORDER),
        "i_median_grp": ({"impute": {"f_i": "i_median_grp", "use_group": "GDPpc_group"}}, ORDER),
        "row_mean": ({"impute": {"f_i": "i_mean", "impute_by": "row"}}, ORDER),
        "row_median_raw": ({"impute": {"f_i": "i_median", "impute_by": "row",
                                       "normalise_first": False}}, ORDER),
        "row_mean_group2": ({"impute": {"f_i": "i_mean", "impute_by": "row",
                                        "group_level": 2}}, ORDER),
        "row_mean_group3": ({"impute": {"f_i": "i_mean", "impute_by": "row",
                                        "group_level": 3}}, ORDER),
        "col_mean_normfirst": ({"impute": {"f_i": "i_mean", "normalise_first": True}}, ORDER),
    },
    "screen": {
        "byNA_0.9": ({}, ORDER),
        "byNA_raw": ({}, RAW_SCREEN),
        "byNA_default": ({"screen": {"unit_screen": "byNA"}}, RAW_SCREEN),
        "byzeros": ({"screen": {"unit_screen": "byzeros", "nonzero_thresh": 0.9}}, ORDER),
        "byzeros_default": ({"screen": {"unit_screen": "byzeros"}}, ORDER),
        "byNAandzeros": ({"screen": {"unit_screen": "byNAandzeros", "dat_thresh": 0.9,
                                     "nonzero_thresh": 0.9}}, RAW_SCREEN),
        "force": ({"screen": {"unit_screen": "byNA", "dat_thresh": 0.9,
                              "Force": {"uCode": ["BRN", "CHE"], "Include": [True, False]}}},
                  RAW_SCREEN),
    },
    "treat": {
        "default": ({}, ORDER),
        "winmax_2": (_t(f1_para={"winmax": 2}), ORDER),
        "winmax_10": (_t(f1_para={"winmax": 10}), ORDER),
        "f1_thresh_only": (_t(f1_para={"skew_thresh": 1, "kurt_thresh": 2}), ORDER),
        "pass_thresh": (_t(f_pass_para={"skew_thresh": 1.5, "kurt_thresh": 3}), ORDER),
        "force_win": (_t(f1_para={"winmax": 2, "force_win": True}), ORDER),
        "combine_treat": (_t(f1_para={"winmax": 2}, combine_treat=True), ORDER),
        "f1_log_CT_orig": (_t(f1="log_CT_orig"), ORDER),
        "f1_log_CT_orig_combine": (_t(f1="log_CT_orig", combine_treat=True), ORDER),
        "f1_boxcox": (_t(f1="boxcox", f1_para={"lambda": 0.5}), ORDER),
        **{f"w1_f2_{f2}": (_t(f1_para={"winmax": 1}, f2=f2), ORDER)
           for f2 in ("log_CT", "log_CT_plus", "log_CT_orig", "log_GII")},
        "w1_f2_boxcox": (_t(f1_para={"winmax": 1}, f2="boxcox", f2_para={"lambda": 0.5}), ORDER),
        "w1_f2_boxcox_0": (_t(f1_para={"winmax": 1}, f2="boxcox", f2_para={"lambda": 0}),
                           ORDER),
        "f2_log_CT_plus": (_t(f2="log_CT_plus"), ORDER),
        "f2_log_CT_orig": (_t(f2="log_CT_orig"), ORDER),
        "f2_log_GII": (_t(f2="log_GII"), ORDER),
        "f2_boxcox": (_t(f2="boxcox", f2_para={"lambda": 0.5}), ORDER),
        "f2_boxcox_0": (_t(f2="boxcox", f2_para={"lambda": 0}), ORDER),
        "f2_none": (_t(f1_para={"winmax": 1}, f2=None), ORDER),
        "indiv": ({"treat": {"f1_para": {"winmax": 5}, "indicators": {
            "Flights": {"f1_para": {"winmax": 1}}, "Goods": "none",
            "Services": {"f2": "log_CT_plus"}}}}, ORDER),
        "none": ({"treat": None}, ORDER),
    },
    "denominate": {
        "imeta": ({}, ORDER),
        "scalefactor": ({"denominate": "_denomby"}, ORDER),
        "none": ({"denominate": None}, ORDER),
    },
}


def reference(family: str) -> pd.DataFrame:
    """COINr's aggregates of every variant of a family (index: variant, uCode)."""
    frame = pd.read_csv(FIXTURES / f"asem_{family}.csv.gz", comment="#",
                        skipinitialspace=True, keep_default_na=False,
                        na_values=["NA"])
    return frame.set_index(["variant", "uCode"]).astype(float)


def steps_of(family: str, variant: str, data: Path, meta: Path) -> dict:
    change, order = VARIANTS[family][variant]
    change = copy.deepcopy(change)
    levels = (change.get("aggregate") or {}).pop("levels", None)
    meta_file = change.pop("_meta", None)
    steps = {**copy.deepcopy(BASE), **change}
    if steps["denominate"] == "_denomby":   # generate.R's table: iMeta's + ScaleFactor
        m = pd.read_csv(meta)
        m = m[m["Denominator"].notna()]
        sf = {"Population": 1000, "GDP": 0.01}
        steps["denominate"] = {"denomby": [
            {"iCode": c, "Denominator": d, "ScaleFactor": sf.get(d, 1)}
            for c, d in zip(m["iCode"], m["Denominator"], strict=True)]}
    if levels:
        steps["aggregate"]["levels"] = levels
    listed = [{k: steps[k]} for k in order if steps.get(k) is not None]
    return {"kind": "coinr-steps", "id": "v", "name": variant,
            "coin": {"data": str(data), "meta": str(FIXTURES / meta_file if meta_file
                                                     else meta)},
            "steps": listed}


def build_variant(family: str, variant: str):
    steps = steps_of(family, variant, ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv")
    spec, obs, info = read_coin(None, None, steps)
    return build(spec, obs, unit_info=info)


def max_difference(family: str, variant: str, ref: pd.DataFrame | None = None) -> float:
    """Largest |aidi − COINr| over every aggregate of every unit (NaN where they disagree on
    which cells are missing)."""
    ref = reference(family) if ref is None else ref
    want = ref.loc[variant]
    got = build_variant(family, variant).scores
    got.index = [str(u) for u in got.index]
    want = want.rename(index=str.upper)
    if sorted(got.index) != sorted(want.index):
        return float("nan")
    got = got.loc[want.index, want.columns].to_numpy(dtype=float)
    w = want.to_numpy(dtype=float)
    if not np.array_equal(np.isnan(got), np.isnan(w)):
        return float("nan")
    ok = ~np.isnan(w)
    return float(np.max(np.abs(got[ok] - w[ok]))) if ok.any() else 0.0
