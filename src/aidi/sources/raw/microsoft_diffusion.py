"""Microsoft AI Economy Institute "AI Diffusion" → generative-AI user share by economy.

A direct measure of AI application/diffusion for the market pillar. Three periods are
published; ``microsoft.ai_diffusion.user_share`` holds the H2 2025 value at year 2025 (the
latest full-half-year figure for 2025), and each period is also kept as its own series.
The CSV is Mac Roman encoded (Türkiye is byte 0x9F) and values are '%' strings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy, to_number

SOURCE = "Microsoft AI Economy Institute — AI Diffusion Report"
FILE = "microsoft_ai_diffusion/AI_Diffusion_Q12026_Update.csv"
UNIT = "% of population"

#: column → (series, year, label)
PERIODS: dict[str, tuple[str, int, str]] = {
    "H2 2025 AI Diffusion": ("microsoft.ai_diffusion.user_share", 2025, "H2 2025"),
    "H1 2025 AI Diffusion": ("microsoft.ai_diffusion.h1_2025", 2025, "H1 2025"),
    "Q1 2026 AI Diffusion": ("microsoft.ai_diffusion.q1_2026", 2026, "Q1 2026"),
}

SERIES: dict[str, dict[str, str]] = {
    series: {
        "name": f"AI user share ({label})" if "user_share" not in series
        else "AI user share (H2 2025, main)",
        "unit": UNIT,
        "description": f"Market (diffusion): share of people using generative-AI products in "
                       f"{label} (telemetry-based, population-normalised; weaker where Microsoft "
                       "products or foreign AI services are restricted, e.g. China, Russia).",
    }
    for series, _, label in PERIODS.values()
}


def read(raw_dir: Path) -> pd.DataFrame:
    """User share per economy for H2 2025 (main), H1 2025 and Q1 2026."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, encoding="mac_roman", dtype=str, keep_default_na=False)
    iso3 = map_iso3(data["Economy"].str.strip())
    frames = []
    for column, (series, year, _) in PERIODS.items():
        if column not in data.columns:
            raise ValueError(f"{path}: column {column!r} not in {list(data.columns)}")
        frame = pd.DataFrame({"iso3": iso3, "year": year, "value": to_number(data[column])})
        frames.append(tidy(frame, series=series, unit=UNIT, source=SOURCE,
                           file=rel(raw_dir, path)))
    return concat(frames)
