"""Compute capacity: the source's H100 arithmetic beside Epoch's cluster census (figure 1.10b).

The source computes H100 capacity = per-card TFLOPS × cards × utilisation with 1,979 TFLOPS,
85 % utilisation, 550,000 cards (Nvidia's 2023 output) and 350,000 (Meta, end-2024), and sets
China's 414.1 EFLOPS of intelligent compute (IDC, 2023) beside them. 1,979 TFLOPS is the H100
SXM's *FP8* peak (or FP16 with sparsity) — :func:`h100_calculator` also reads the card's dense
16-bit peak from Epoch's hardware table, because that is the precision in which compute
statistics such as IDC's are usually stated, and the comparison turns on it.

Epoch's cluster table gives an independent, bottom-up view: the 16-bit capacity of known
clusters operating at a date, by country and by owner (known clusters only — a lower bound
for any owner's fleet).
"""

from __future__ import annotations

import pandas as pd

H100 = "NVIDIA H100 SXM5 80GB"
EXA = 1e18


def h100_card(hardware: pd.DataFrame) -> dict[str, float]:
    """The H100 SXM's peak FLOP/s from Epoch: highest precision-agnostic peak and dense 16-bit."""
    row = hardware[hardware["hardware"] == H100]
    if row.empty:
        raise ValueError(f"{H100!r} not in the hardware table")
    return {"max_flops": float(row["max_flops"].iloc[0]),
            "tensor16_flops": float(row["tensor16_flops"].iloc[0])}


def h100_calculator(cards: dict[str, float], per_card_flops: dict[str, float],
                    utilisation: float) -> pd.DataFrame:
    """EFLOPS = per-card FLOP/s × cards × utilisation, for every (holder, per-card basis)."""
    rows = []
    for holder, n in cards.items():
        for basis, flops in per_card_flops.items():
            rows.append({"holder": holder, "cards": n, "basis": basis,
                         "per_card_tflops": flops / 1e12, "utilisation": utilisation,
                         "eflops": flops * n * utilisation / EXA})
    return pd.DataFrame(rows)


def operating(clusters: pd.DataFrame, date: str) -> pd.DataFrame:
    """Clusters operating at ``date``: existing (or decommissioned later), not a possible
    duplicate, not superseded, first operational by then — as :mod:`aidi.sources.raw.epoch`
    counts them."""
    when = pd.Timestamp(date)
    start = pd.to_datetime(clusters["start"], errors="coerce")
    end = pd.to_datetime(clusters["end"], errors="coerce")
    ok = ((clusters["status"].eq("Existing") | (clusters["status"].eq("Decommissioned")
                                                  & end.notna()))
          & ~clusters["duplicate"].astype(bool) & ~clusters["superseded"].astype(bool)
          & start.notna() & (start <= when) & (end.isna() | (end > when)))
    return clusters[ok]


def cluster_capacity(clusters: pd.DataFrame, by: str, date: str = "2024-12-31",
                     top: int = 15) -> pd.DataFrame:
    """16-bit capacity (EFLOPS) and H100-equivalents of operating clusters by ``by`` (iso3 or
    owner), for all clusters and for Epoch's standard-analysis subset."""
    live = operating(clusters, date)
    live = live[live[by].fillna("").astype(str).str.len() > 0]
    frames = []
    for subset, part in (("all", live), ("standard", live[live["standard"].astype(bool)])):
        agg = part.groupby(by).agg(h100e=("h100e", "sum"), op16=("op16_per_s", "sum"),
                                   clusters=("cluster", "size"))
        agg["eflops16"] = agg.pop("op16") / EXA
        agg["subset"] = subset
        frames.append(agg.reset_index())
    out = pd.concat(frames, ignore_index=True).rename(columns={by: "holder"})
    order = (out[out["subset"] == "all"].sort_values("eflops16", ascending=False)["holder"]
             .head(top).tolist())
    out = out[out["holder"].isin(order)]
    out["rank"] = out["holder"].map({h: i for i, h in enumerate(order)})
    out["date"] = date
    out["by"] = by
    return out.sort_values(["subset", "rank"]).reset_index(drop=True)
