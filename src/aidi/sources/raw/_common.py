"""Helpers shared by the raw-file readers.

Publisher files disagree on everything (NA markers, '%' strings, thousands separators,
country spellings); these helpers make each reader a short list of decisions instead of
repeated parsing code, and make every reader return exactly the tidy-observation contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.countries import to_iso3
from aidi.errors import AidiError

COLUMNS: tuple[str, ...] = ("iso3", "year", "series", "value", "unit", "source", "file")

#: Strings that publishers use for "no value".
NA_STRINGS: tuple[str, ...] = ("..", "#N/A", "N/A", "n/a", "NA", "-", "—", "–", "", "nan")


class RawDataMissing(AidiError, FileNotFoundError):
    """A raw folder or file that a reader needs does not exist."""


def require(path: Path) -> Path:
    """Return ``path`` if it exists, else raise :class:`RawDataMissing` naming it."""
    path = Path(path)
    if not path.exists():
        raise RawDataMissing(f"raw data not found: {path}")
    return path


def rel(raw_dir: Path, path: Path) -> str:
    """Path of a raw file relative to the raw-data root, with forward slashes."""
    return Path(path).relative_to(Path(raw_dir)).as_posix()


def to_number(values: pd.Series) -> pd.Series:
    """Parse numbers written as text: strips '%', thousands separators, spaces, NA markers."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.strip()
    text = text.mask(text.isin(NA_STRINGS))
    text = text.str.replace("%", "", regex=False).str.replace(",", "", regex=False)
    text = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)


def map_iso3(names: Iterable[object]) -> list[str | None]:
    """Vectorised :func:`aidi.countries.to_iso3` (cached per distinct name)."""
    return [to_iso3(n) if isinstance(n, str) else None for n in names]


def tidy(
    frame: pd.DataFrame,
    *,
    series: str | None = None,
    unit: str,
    source: str,
    file: str,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Finish a frame with columns iso3, year, value (and series unless given).

    Drops rows without a country or a finite value, multiplies by ``scale`` and adds the
    metadata columns, so every reader emits the same schema.
    """
    out = frame.copy()
    if series is not None:
        out["series"] = series
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float) * scale
    out = out[out["iso3"].notna() & np.isfinite(out["value"])]
    out = out.assign(
        iso3=out["iso3"].astype(str),
        year=out["year"].astype(int),
        unit=unit,
        source=source,
        file=file,
    )
    return out.loc[:, list(COLUMNS)].reset_index(drop=True)


def empty() -> pd.DataFrame:
    """An empty tidy-observation frame."""
    return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in COLUMNS})


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate tidy frames (ignoring empty ones) with stable dtypes."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty()
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    return out.loc[:, list(COLUMNS)]


def check_unique(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Raise if (iso3, year, series) repeats — a sign that two names mapped to one code."""
    dup = frame.duplicated(["iso3", "year", "series"], keep=False)
    if dup.any():
        sample = frame.loc[dup, ["iso3", "year", "series", "value"]].head(6).to_dict("records")
        raise ValueError(f"{what}: duplicate (iso3, year, series) keys, e.g. {sample}")
    return frame
