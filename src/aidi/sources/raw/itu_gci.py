"""ITU Global Cybersecurity Index (hand transcription by the SSPI team) → ``itu.gci.score``.

Cybersecurity is one of the policy-environment items the CICC chapter names. Editions 2014,
2017 and 2018 are published on a 0–1 scale and 2020/2024 on 0–100; a 0–1 edition (detected
from its values, max ≤ 1) is multiplied by 100 so every edition reads on 0–100. Methods
differ between editions, so treat each as its own cross-section. Countries renamed between
editions (Swaziland/Eswatini, Cape Verde/Cabo Verde) are merged by ISO3. Canada is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import check_unique, map_iso3, rel, require, tidy, to_number

SOURCE = "ITU — Global Cybersecurity Index (transcribed by SSPI)"
FILE = "itu_gci/gci-local-indicator-summary.csv"
UNIT = "score 0-100 (0-1 editions ×100)"

SERIES: dict[str, dict[str, str]] = {
    "itu.gci.score": {
        "name": "ITU Global Cybersecurity Index score",
        "unit": UNIT,
        "description": "Policy environment (cybersecurity). Year = edition (2014, 2017, 2018, "
                       "2020, 2024); editions 2014/2017/2018 were 0–1 and are rescaled ×100. "
                       "Editions are not strictly comparable over time.",
    },
}


def read(raw_dir: Path) -> pd.DataFrame:
    """GCI score per country and edition year on a 0–100 scale."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, keep_default_na=False, na_values=["#N/A", ""], dtype=str)
    editions = [c for c in data.columns if str(c).strip().isdigit()]
    iso3 = map_iso3(data["Country"])
    frames = []
    for edition in editions:
        values = to_number(data[edition])
        scale = 100.0 if values.max() <= 1.0 else 1.0
        frames.append(pd.DataFrame({"iso3": iso3, "year": int(edition), "value": values * scale}))
    frame = pd.concat(frames, ignore_index=True).dropna(subset=["iso3", "value"])
    out = tidy(frame, series="itu.gci.score", unit=UNIT, source=SOURCE, file=rel(raw_dir, path))
    return check_unique(out, str(path))
