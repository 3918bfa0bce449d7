"""The source's quantitative claims (section 二 and figures 1.7–1.12), checked against data.

Everything the source *says* is typed in here, once: :data:`CLAIMS` (the claim, its number
and the tolerance the verdict uses) and :data:`SOURCE_INPUTS` (the figures the source plugs
into its H100 arithmetic). Everything aidi *estimates* comes from the analyses' tables, which
are computed from the raw-derived trends snapshot; :func:`evaluate` only compares the two.

Verdicts: ``holds`` (the source's number lies in aidi's 95 % interval, or the stated
inequality holds at the interval's far end), ``partly`` (it misses the interval but is within
the claim's tolerance of aidi's estimate, or the data support one reading and not another),
``does_not_hold``, and ``not_located`` (the data cannot place the quantity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CLAIMS", "SOURCE_INPUTS", "Claim", "evaluate"]


@dataclass(frozen=True)
class Claim:
    """One claim of the source: what it says and the number it gives."""

    id: str
    section: str
    en: str
    zh: str
    value: float | None
    unit: str
    rel_tol: float = 0.25   # "partly" when within this relative distance of aidi's estimate


CLAIMS: tuple[Claim, ...] = (
    Claim("s_curve.first_inflection", "二(二), fig 1.8",
          "AI has crossed the first inflection of its S-curve (acceleration phase).",
          "AI或已跨过S型曲线的第一拐点,进入“研发-应用”循环迭代的加速期。", None, ""),
    Claim("compute.doubling_pre2010", "三(一), fig 1.10a",
          "Before 2010 training compute doubled every ≈21.6 months.",
          "2010年前,训练AI的计算量每21.6个月翻一番。", 21.6, "months"),
    Claim("compute.doubling_post2010", "三(一), fig 1.10a",
          "Since 2010 the compute of the largest training runs doubles in ≈6 months.",
          "2010年以来,最大的AI训练运行所使用的计算量大约在6个月内翻倍。", 6.0, "months"),
    Claim("compute.break_year", "三(一), fig 1.10a",
          "The compute trend breaks around 2010 (start of the deep-learning era).",
          "算力增长曲线在2010年前后变得更加陡峭(进入深度学习时代)。", 2010.0, "year", 0.0),
    Claim("compute.growth_13y", "三(一), fig 1.10a",
          "Training compute grew ≈350-million-fold over the past 13 years.",
          "过去13年训练计算量已增长了3.5亿倍。", 3.5e8, "×", 0.5),
    Claim("gpt.years_to_second_inflection", "二(二)",
          "Electricity and PCs crossed the second inflection ≈35 years after introduction.",
          "通用目的技术出现的第35年左右越过S型曲线第二拐点(电力、个人电脑)。", 35.0, "years",
          10 / 35),
    Claim("gpt.level_at_second_inflection", "二(二)",
          "…at ≈70 % household adoption.", "…此时需求端采用率约为70%。", 70.0, "% of households",
          10 / 70),
    Claim("cost.gpt3_2020", "二(三)", "GPT-3-level training cost $4.6 M in 2020.",
          "GPT-3水平模型的训练成本2020年为460万美元。", 4.6e6, "US$"),
    Claim("cost.gpt3_2022", "二(三)", "… and $0.45 M in 2022.", "…2022年降至45万美元。",
          0.45e6, "US$"),
    Claim("cost.annual_decline", "二(三)",
          "The cost of (GPT-3-level) intelligence falls ≈70 % a year.",
          "智能成本年降幅约为70%。", 70.0, "% a year", 0.15),
    Claim("investment.accelerated_2021", "二(二), fig 1.8b",
          "Private AI investment accelerated from 2021.",
          "AI领域自2021年起出现了私人投资额的加速增长。", None, ""),
    Claim("companies.accelerated_2021", "二(二), fig 1.8b",
          "The number of newly funded AI companies accelerated from 2021.",
          "AI领域自2021年起新成立公司数加速增长。", None, ""),
    Claim("genai.investment_2023", "二(二)",
          "Generative AI attracted $25.2 B of private investment in 2023.",
          "生成式AI领域2023年吸引了252亿美元的私人投资。", 25.2, "billion US$", 0.2),
    Claim("genai.multiple_2023", "二(二)", "… nearly 9× the 2022 amount.",
          "…接近2022年的9倍。", 9.0, "×", 0.25),
    Claim("genai.share_2023", "二(二)", "… more than a quarter of all AI private investment.",
          "…占当年全部AI私人投资的四分之一以上。", 25.0, "% (lower bound)"),
    Claim("capacity.h100_tflops", "三(一), fig 1.10b note",
          "An H100 delivers 1,979 TFLOPS.", "单卡算力1979TFLOPS。", 1979.0, "TFLOPS", 0.01),
    Claim("capacity.china_below_meta", "三(一), fig 1.10b",
          "China's 414.1 EFLOPS of intelligent compute (2023) may be below Meta's H100 capacity "
          "(≈350,000 cards by end-2024).",
          "2024年中国全国智能算力规模或低于Meta公司所拥有的H100算力。", 414.1, "EFLOPS"),
    Claim("patents.granted_growth", "二(一)",
          "AI-related granted patents rose from under 10,000 a year before 2015 to over 30,000.",
          "与AI结合的授权专利数量从2015年前的年增量不足1万快速上升至超过3万。", 30.0,
          "thousand a year"),
    Claim("research.accelerating", "issue #15",
          "AI papers and patents accelerate.", "AI论文与专利数量加速增长。", None, ""),
)

#: Inputs of the source's H100 arithmetic (figure 1.10b's note) and IDC's figure for China.
SOURCE_INPUTS: Mapping[str, float] = {
    "h100_tflops": 1979.0,
    "utilisation": 0.85,
    "cards_nvidia_2023": 550_000.0,
    "cards_meta_2024": 350_000.0,
    "china_eflops_2023": 414.1,
}


@dataclass(frozen=True)
class Finding:
    estimate: float
    lo: float
    hi: float
    unit: str
    data: str
    method: str
    verdict: str
    note: str = ""


def _interval_verdict(claim: Claim, est: float, lo: float, hi: float) -> str:
    value = float(claim.value)  # type: ignore[arg-type]
    if not all(math.isfinite(v) for v in (est, lo, hi)):
        return "not_located"
    if lo <= value <= hi:
        return "holds"
    if est and abs(value - est) <= claim.rel_tol * abs(est):
        return "partly"
    return "does_not_hold"


def _one(frame: pd.DataFrame, **eq: object) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for key, value in eq.items():
        mask &= (frame[key] == value).to_numpy()
    if not mask.any():
        raise LookupError(f"no row with {eq}")
    return frame[mask].iloc[0]


# --------------------------------------------------------------------------- evaluations

def _first_inflection(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    ai = r["ai_adoption_fits"]
    row = _one(ai, series_id="investment.private", model="logistic")
    located = ai[(ai["model"] == "logistic") & ai["located"].astype(bool)]
    passed = located[located["first_inflection_passed"].astype(bool)]
    verdict = "holds" if len(passed) and row["first_inflection_passed"] else (
        "partly" if len(passed) else "not_located")
    names = ", ".join(passed["series"]) or "none"
    return Finding(row["first_inflection_year"], row["first_inflection_year_lo"],
                   row["first_inflection_year_hi"], "year",
                   "AI Index 2025 private AI investment 2013–24 (and companies, patents, "
                   "publications)",
                   "logistic fit, residual bootstrap; first inflection = maximum of f''", verdict,
                   f"first inflection passed inside the data for: {names}; patents and "
                   "publications still grow exponentially (no inflection located)")


def _compute(segment: str) -> Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]:
    def run(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
        row = _one(r["compute_fits"], scope="all_notable", segment=segment)
        est, lo, hi = row["doubling_months"], row["doubling_lo"], row["doubling_hi"]
        note = (f"estimated break {row['break_year']:.1f}; with the break fixed at 2010: "
                + _fixed(r, segment))
        if segment == "post":
            fr = r["compute_fits"]
            fr = fr[fr["scope"] == "frontier"]
            if len(fr):
                f = fr.iloc[0]
                note += (f"; Epoch frontier models only: {f['doubling_months']:.1f} "
                         f"({f['doubling_lo']:.1f}–{f['doubling_hi']:.1f}) months")
        return Finding(est, lo, hi, "months", row["data"], row["method"],
                       _interval_verdict(c, est, lo, hi), note)
    return run


def _fixed(r: Mapping[str, pd.DataFrame], segment: str) -> str:
    row = _one(r["compute_fits"], scope="all_notable_fixed_2010", segment=segment)
    return (f"{row['doubling_months']:.1f} ({row['doubling_lo']:.1f}–{row['doubling_hi']:.1f}) "
            "months")


def _break(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    row = _one(r["compute_fits"], scope="all_notable", segment="post")
    est, lo, hi = row["break_year"], row["break_lo"], row["break_hi"]
    return Finding(est, lo, hi, "year", row["data"], row["method"],
                   _interval_verdict(c, est, lo, hi), "break estimated, not fixed")


def _growth13(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    row = _one(r["compute_fits"], scope="all_notable", segment="post")
    est, lo, hi = row["growth_13y"], row["growth_13y_lo"], row["growth_13y_hi"]
    return Finding(est, lo, hi, "×", row["data"], "10^(13 × post-break slope), bootstrap",
                   _interval_verdict(c, est, lo, hi))


def _gpt(key: str, unit: str) -> Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]:
    def run(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
        fits = r["adoption_fits"]
        log = fits[fits["model"] == "logistic"]
        parts, verdicts = [], []
        for tech in ("Electric power", "Microcomputer"):
            row = _one(log, series=tech)
            est, lo, hi = row[key], row[f"{key}_lo"], row[f"{key}_hi"]
            verdicts.append(_interval_verdict(c, est, lo, hi))
            parts.append(f"{tech}: {est:.1f} ({lo:.1f}–{hi:.1f})")
        ok = fits[fits["located"].astype(bool) & (fits["model"] == "logistic")]
        near = ok[(ok[key] - float(c.value)).abs() <= c.rel_tol * float(c.value)]
        elec = _one(log, series="Electric power")
        verdict = ("holds" if set(verdicts) == {"holds"} else
                   "does_not_hold" if set(verdicts) == {"does_not_hold"} else "partly")
        return Finding(elec[key], elec[f"{key}_lo"], elec[f"{key}_hi"], unit,
                       "Comin–Hobijn US household adoption (OWID)",
                       "logistic fit, residual bootstrap; second inflection = minimum of f''; "
                       "introduction = fitted 1 % year", verdict,
                       "; ".join(parts) + f"; {len(near)} of {len(ok)} located technologies "
                       f"within ±{c.rel_tol * float(c.value):.0f} of {c.value:g}")
    return run


def _gpt3(quantity: str) -> Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]:
    def run(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
        row = _one(r["gpt3_cost"], quantity=quantity)
        est, lo, hi = row["value"], row["lo"], row["hi"]
        note = ""
        own = r["gpt3_cost"][r["gpt3_cost"]["quantity"] == "gpt3_own_cost"]
        if quantity == "cost_2020" and len(own):
            note = (f"trend value for GPT-3's {row['compute_flop']:.3g} FLOP; Epoch's estimate "
                    f"for GPT-3 itself: ${float(own['value'].iloc[0]) / 1e6:.2f} M")
        if quantity == "annual_decline":
            cost = r["cost_fits"]
            hw = _one(cost, topic="hardware_price_performance", scope="fp32")
            tok = cost[cost["topic"] == "price_per_token_at_threshold"]
            cheaper = 100 * (1 - 1 / hw["annual_factor"])
            note = (f"hardware FLOP/s per $ alone: compute {cheaper:.0f} % cheaper a year; "
                    "inference price at fixed capability falls "
                    + ", ".join(f"{-t.annual_change_pct:.0f} % ({t.scope})" for t in
                                tok.itertuples()) + " a year")
        return Finding(est, lo, hi, str(row["unit"]),
                       "Epoch AI notable models: training cost (2023 USD) per FLOP; GPT-3's FLOP",
                       "log-linear trend of cost per FLOP, pairs bootstrap",
                       _interval_verdict(c, est, lo, hi), note)
    return run


def _accelerated(series: str) -> Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]:
    def run(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
        g = r["investment_growth"]
        row = _one(g, series=series, geo="World")
        verdict = ("holds" if row["accelerated"] else
                   "partly" if row["jump_into_split_pct"] > max(row["before_growth_pct"], 0)
                   else "does_not_hold")
        note = (f"growth {row['before_start']:.0f}–{row['split_year'] - 1}: "
                f"{row['before_growth_pct']:.0f} % a year ({row['before_lo']:.0f}–"
                f"{row['before_hi']:.0f}); {row['split_year']}–{row['after_end']:.0f}: "
                f"{row['after_growth_pct']:.0f} % ({row['after_lo']:.0f}–{row['after_hi']:.0f}); "
                f"jump into {row['split_year']}: {row['jump_into_split_pct']:.0f} %")
        return Finding(row["after_growth_pct"], row["after_lo"], row["after_hi"], "% a year",
                       row["source"], "log-linear growth before vs from the split year",
                       verdict, note)
    return run


def _genai(quantity: str) -> Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]:
    def run(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
        row = _one(r["genai"], quantity=quantity)
        est = float(row["value"])
        if quantity == "genai_share":
            verdict = "holds" if est > float(c.value) else "does_not_hold"
        else:
            rel = abs(est - float(c.value)) / float(c.value)
            verdict = "holds" if rel <= 0.05 else ("partly" if rel <= c.rel_tol
                                                   else "does_not_hold")
        return Finding(est, math.nan, math.nan, str(row["unit"]),
                       "AI Index 2025 figs 4.3.2–4.3.3 (Quid)", "published values",
                       verdict, "AI Index 2025 vintage; the source used the 2024 edition")
    return run


def _tflops(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    cap = r["h100_capacity"]
    peak = float(cap[cap["basis"] == "epoch_max"]["per_card_tflops"].iloc[0])
    dense = float(cap[cap["basis"] == "epoch_dense16"]["per_card_tflops"].iloc[0])
    verdict = "holds" if abs(peak - float(c.value)) <= c.rel_tol * peak else "does_not_hold"
    return Finding(peak, math.nan, math.nan, "TFLOPS", "Epoch AI ML hardware (H100 SXM5)",
                   "card's peak (any precision)", verdict,
                   f"1,979 TFLOPS is the FP8 peak; the dense 16-bit peak is {dense:,.0f} TFLOPS")


def _china_meta(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    cap = r["h100_capacity"]
    meta = cap[cap["holder"] == "meta_2024"].set_index("basis")["eflops"]
    china = float(c.value)
    owners = r["clusters_by_owner"]
    epoch_meta = owners[(owners["holder"] == "Meta AI") & (owners["subset"] == "all")]
    em = float(epoch_meta["eflops16"].iloc[0]) if len(epoch_meta) else math.nan
    verdict = ("holds" if (meta > china).all() else
               "does_not_hold" if (meta <= china).all() else "partly")
    return Finding(float(meta["source"]), float(meta.min()), float(meta.max()), "EFLOPS",
                   "source's H100 arithmetic; Epoch H100 peaks; Epoch GPU clusters",
                   "per-card FLOP/s × 350,000 × 85 %", verdict,
                   f"Meta at 1,979 TFLOPS: {meta['source']:.0f} EFLOPS (> {china:g}); at the "
                   f"dense 16-bit peak: {meta['epoch_dense16']:.0f} EFLOPS (< {china:g}); "
                   f"Epoch's known Meta clusters, end-2024, 16-bit: {em:.0f} EFLOPS")


def _patents(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    s = r["series"]
    pat = s[(s["series"] == "patents.granted") & (s["geo"] == "World")].sort_values("year")
    before = pat[pat["year"] < 2015]["value"]
    latest = float(pat["value"].iloc[-1])
    ok = before.max() < 10 and latest > float(c.value)
    return Finding(latest, math.nan, math.nan, "thousand", "AI Index 2025 fig 1.2.1",
                   "published values", "holds" if ok else "does_not_hold",
                   f"max before 2015: {before.max():.1f} thousand; "
                   f"{int(pat['year'].iloc[-1])}: {latest:.1f} thousand")


def _research(c: Claim, r: Mapping[str, pd.DataFrame]) -> Finding:
    g = r["investment_growth"]
    sub = g[g["series"].isin(["publications.cs", "patents.granted", "publications.cset",
                              "patents.applications_cset"])]
    acc = sub[sub["accelerated"].astype(bool)]
    pub = _one(g, series="publications.cs", geo="World")
    verdict = "holds" if len(acc) == len(sub) else ("partly" if len(acc) else "does_not_hold")
    note = "; ".join(f"{row.series}: {row.before_growth_pct:.0f} → {row.after_growth_pct:.0f} % "
                     f"a year" for row in sub.itertuples())
    return Finding(pub["after_growth_pct"], pub["after_lo"], pub["after_hi"], "% a year",
                   "AI Index 2025 figs 1.1.1, 1.2.1; CSET via OWID",
                   "log-linear growth before vs after a split year", verdict, note)


EVALUATIONS: dict[str, Callable[[Claim, Mapping[str, pd.DataFrame]], Finding]] = {
    "s_curve.first_inflection": _first_inflection,
    "compute.doubling_pre2010": _compute("pre"),
    "compute.doubling_post2010": _compute("post"),
    "compute.break_year": _break,
    "compute.growth_13y": _growth13,
    "gpt.years_to_second_inflection": _gpt("years_to_second", "years"),
    "gpt.level_at_second_inflection": _gpt("second_inflection_level", "% of households"),
    "cost.gpt3_2020": _gpt3("cost_2020"),
    "cost.gpt3_2022": _gpt3("cost_2022"),
    "cost.annual_decline": _gpt3("annual_decline"),
    "investment.accelerated_2021": _accelerated("investment.private"),
    "companies.accelerated_2021": _accelerated("companies.newly_funded"),
    "genai.investment_2023": _genai("genai_investment"),
    "genai.multiple_2023": _genai("genai_multiple"),
    "genai.share_2023": _genai("genai_share"),
    "capacity.h100_tflops": _tflops,
    "capacity.china_below_meta": _china_meta,
    "patents.granted_growth": _patents,
    "research.accelerating": _research,
}


def evaluate(results: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """``claims.csv``: one row per claim — the source's number beside aidi's estimate."""
    rows = []
    for claim in CLAIMS:
        f = EVALUATIONS[claim.id](claim, results)
        rows.append({"claim_id": claim.id, "section": claim.section, "claim_en": claim.en,
                     "claim_zh": claim.zh, "source_value": claim.value, "source_unit": claim.unit,
                     "estimate": float(f.estimate), "ci_low": float(f.lo),
                     "ci_high": float(f.hi), "unit": f.unit, "data": f.data,
                     "method": f.method, "verdict": f.verdict, "note": f.note})
    return pd.DataFrame(rows)
