"""The exposure model's numbers against the source's statements (METHODOLOGY.md §4, figure
1.15b): each printed approximation or comparison, our value, and whether it holds.

The model itself is an input of the index (`aidi.inputs.exposure_model`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.inputs.exposure_model import ExposureResult, exposure_summary

__all__ = ["PUBLISHED", "compare_with_source"]


# ----------------------------------------------------------------------------------------
# Comparison with the published statements (METHODOLOGY.md §4, figure 1.15b)
# ----------------------------------------------------------------------------------------

#: Numbers as printed in the source (figure 1.15b text); used only as the "published" column.
PUBLISHED: dict[str, float] = {
    "chn_exposed_share": 0.50,
    "mean_exposed_share": 0.55,
    "chn_agriculture_share": 0.07,
    "chn_manufacturing_share": 0.27,
}


def _row(statement: str, published: float, ours: float, holds: bool | None,
         detail: str, key: str = "") -> dict[str, object]:
    """One checked statement; `key` names it for translation (`exposure.stmt.<key>`)."""
    diff = ours - published if np.isfinite(published) and np.isfinite(ours) else np.nan
    return {"statement": statement, "published": published, "ours": ours, "difference": diff,
            "holds": holds, "detail": detail, "key": key}


def compare_with_source(result: ExposureResult, *, tolerance: float = 0.05) -> pd.DataFrame:
    """Check our numbers against each figure-1.15b statement of the source.

    Columns ``statement, published, ours, difference, holds, detail``. Approximate numbers
    ("≈ 50 %") hold when ``|ours − published| <= tolerance`` (absolute, in share points);
    comparative statements hold when the computed quantity has the stated sign (``ours`` is
    then that quantity and ``published`` the published equivalent, NaN if none). ``holds``
    is None when an economy needed for the statement is not in the result. The mean is over
    the economies in ``result`` (the detail says how many).
    """
    summ = exposure_summary(result).set_index("iso3")
    va = pd.DataFrame(result.value_added_share, index=list(result.iso3),
                      columns=list(result.industries))
    exp = pd.Series(result.exposure[0], index=list(result.industries))
    rows = _share_rows(summ, tolerance)
    rows += _structure_rows(va, tolerance)
    rows += _industry_rows(exp)
    rows += _spread_rows(summ)
    return pd.DataFrame(rows, columns=["statement", "published", "ours", "difference",
                                       "holds", "detail", "key"])


def _get(frame: pd.DataFrame | pd.Series, iso3: str, col: str | None = None) -> float:
    if iso3 not in frame.index:
        return np.nan
    return float(frame.loc[iso3] if col is None else frame.loc[iso3, col])


def _approx(ours: float, published: float, tol: float) -> bool | None:
    return None if not np.isfinite(ours) else bool(abs(ours - published) <= tol)


def _sign(value: float, positive: bool) -> bool | None:
    if not np.isfinite(value):
        return None
    return bool(value > 0) if positive else bool(value < 0)


def _share_rows(summ: pd.DataFrame, tol: float) -> list[dict[str, object]]:
    es = summ["exposed_share"]
    chn, mean, n = _get(summ, "CHN", "exposed_share"), float(es.mean()), len(es)
    pub_c, pub_m = PUBLISHED["chn_exposed_share"], PUBLISHED["mean_exposed_share"]
    peers = min(_get(summ, "USA", "exposed_share"), _get(summ, "KOR", "exposed_share"))
    return [
        _row("China's AI-exposed share of the economy ≈ 50%", pub_c, chn,
             _approx(chn, pub_c, tol), f"CHN {chn:.1%}; tolerance ±{tol:.0%}", "chn_share"),
        _row("Mean exposed share of the 20 economies ≈ 55%", pub_m, mean,
             _approx(mean, pub_m, tol), f"mean over {n} economies in the result", "mean_share"),
        _row("China's exposed share is below the 20-economy mean (CHN − mean < 0)",
             pub_c - pub_m, chn - mean, _sign(chn - mean, positive=False),
             f"CHN {chn:.1%} vs mean {mean:.1%}", "chn_below_mean"),
        _row("USA and Korea have higher exposed shares than China (min(USA, KOR) − CHN > 0)",
             np.nan, peers - chn, _sign(peers - chn, positive=True),
             f"USA {_get(summ, 'USA', 'exposed_share'):.1%}, "
             f"KOR {_get(summ, 'KOR', 'exposed_share'):.1%}, CHN {chn:.1%}", "peers_above"),
    ]


def _structure_rows(va: pd.DataFrame, tol: float) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for code, key, label in (("AB", "chn_agriculture_share", "agriculture (A-B)"),
                             ("D", "chn_manufacturing_share", "manufacturing (D)")):
        chn, pub = _get(va, "CHN", code), PUBLISHED[key]
        others = va.drop(index="CHN", errors="ignore")[code]
        gap = chn - float(others.mean())
        rank = int((va[code] > chn).sum()) + 1 if np.isfinite(chn) else None
        rows.append(_row(f"China's {label} share of value added ≈ {pub:.0%}", pub, chn,
                         _approx(chn, pub, tol), f"CHN {chn:.1%}; tolerance ±{tol:.0%}",
                         f"{code}_share"))
        rows.append(_row(f"China's {label} share is well above the others' "
                         f"(CHN − mean of others > 0)", np.nan, gap, _sign(gap, positive=True),
                         f"CHN {chn:.1%} vs others' mean {others.mean():.1%}; CHN ranks "
                         f"{rank} of {len(va)} (highest: {va[code].idxmax()} {va[code].max():.1%})",
                         f"{code}_above"))
    return rows


def _industry_rows(exp: pd.Series) -> list[dict[str, object]]:
    low = max(exp["AB"], exp["F"])
    others = exp.drop(["AB", "F"])
    order = ", ".join(f"{k} {v:.2f}" for k, v in exp.sort_values(ascending=False).items())
    return [
        _row("High-exposure activities (finance, research, education ⊂ J-P) are more exposed "
             "than agriculture (A-B) and construction (F) (JP − max(AB, F) > 0)",
             np.nan, exp["JP"] - low, _sign(exp["JP"] - low, positive=True), order,
             "high_exposure"),
        _row("Agriculture (A-B) and construction (F) are the least exposed industries "
             "(max(AB, F) − min(other industries) < 0)", np.nan, low - others.min(),
             _sign(low - others.min(), positive=False), order, "least_exposed"),
    ]


def _spread_rows(summ: pd.DataFrame) -> list[dict[str, object]]:
    rows = []
    chn = _get(summ, "CHN", "exposure_variance")
    for peer in ("USA", "KOR"):
        gap = chn - _get(summ, peer, "exposure_variance")
        rows.append(_row(f"China's exposed output is spread more evenly across industries than "
                         f"{peer}'s (variance CHN − {peer} < 0)", np.nan, gap,
                         _sign(gap, positive=False),
                         f"variance CHN {chn:.5f} vs {peer} "
                         f"{_get(summ, peer, 'exposure_variance'):.5f}", f"spread_{peer}"))
    return rows
