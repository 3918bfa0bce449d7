"""The checks every way into the store applies: seed, live refresh and the user's own files.

Why one module: the engine trusts the store, so a region code that looks like a country, a
share of 140 %, a unit that silently changed between vintages or the same key twice must be
stopped at the door — and the person feeding the data must learn *which* row of *which* input
is wrong and why, not get a traceback or a silently smaller panel. Bad rows are set aside in a
report (so one typo does not block a thousand good rows); nothing valid at all, or any bad row
in `strict` mode, raises `DataValidationError`.

Input columns: `iso3` and/or `country` (a name in English or Chinese, or a publisher code —
mapped with `aidi.countries.to_iso3`), `year`, `series`, `value`, `unit`, and optionally
`source`, `file`, `row` (the row number the user sees: spreadsheet row, file line), `column`
(the column of a wide file) and any provenance columns, passed through to the accepted rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.countries import is_aggregate, to_iso3
from aidi.errors import AidiError

TIDY = ("iso3", "year", "series", "value", "unit", "source", "file")
REJECTED_COLUMNS = ("source", "row", "country", "year", "series", "value", "rule", "reason")
YEAR_RANGE = (1900, 2100)  # the spec's YearRule bounds
SERIES_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")

# Units whose range is unambiguous. "% of GDP" is deliberately absent (credit, market
# capitalisation and trade routinely exceed 100 % of GDP), as is "% gross" (enrolment).
_BOUNDED_UNITS: dict[str, tuple[float | None, float | None]] = {
    "% of population": (0.0, 100.0),
    "% of total employment": (0.0, 100.0),
    "% of all job postings": (0.0, 100.0),
    "% of manufactured exports": (0.0, 100.0),
    "% manufacturing value added": (0.0, 100.0),
    "% of linkedin members": (0.0, 100.0),
    "percentile rank (0-100)": (0.0, 100.0),
    "indicator (0/1)": (0.0, 1.0),
    "share": (0.0, 1.0),
}
# Money is deliberately absent: publishers print negative value added and net payments.
_NONNEGATIVE_UNITS = re.compile(
    r"^(count|persons|number|h100 equivalents|mw|tflop/s|kwh per capita|per 100 people|"
    r"per 1 million people|per million people|thousand units|millions of persons)$")
_SCORE_0_100 = re.compile(r"\b0\s*[-–]\s*100\b")


class DataValidationError(AidiError, ValueError):
    """Incoming data that cannot be stored; the message names the source, rows and reasons."""


@dataclass(frozen=True)
class SeriesRule:
    """A declared range for one series (overrides the unit's default range)."""

    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ValidationReport:
    """What passed and what did not, for one input (`source`)."""

    source: str
    accepted: pd.DataFrame   # tidy columns (+ provenance columns passed through)
    rejected: pd.DataFrame   # REJECTED_COLUMNS: where (source, row), what, rule and reason
    #: rows accepted in all, when `accepted` holds only the first of them (a streamed import)
    accepted_total: int | None = None

    @property
    def n_accepted(self) -> int:
        return len(self.accepted) if self.accepted_total is None else self.accepted_total

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    def summary(self, examples: int = 5) -> str:
        """One paragraph: counts, rejections by rule, the first few rejected rows."""
        text = f"{self.source}: {self.n_accepted:,} row(s) accepted, {self.n_rejected:,} rejected"
        if not self.n_rejected:
            return text
        counts = self.rejected["rule"].value_counts()
        text += " (" + ", ".join(f"{n:,} {rule}" for rule, n in counts.items()) + ")"
        lines = [f"  {_where(r)}: {r.reason}" for r in self.rejected.head(examples).itertuples()]
        more = self.n_rejected - examples
        if more > 0:
            lines.append(f"  … and {more:,} more")
        return text + "\n" + "\n".join(lines)

    def raise_if_rejected(self) -> None:
        if self.n_rejected:
            raise DataValidationError(self.summary())


def _where(r: object) -> str:
    """"file.csv, row 7" (+ ", column 2019" for wide files)."""
    row, column = getattr(r, "row", None), getattr(r, "column", "")
    where = f"{r.source}, row {int(row)}" if _is_num(row) else f"{r.source}"  # type: ignore[attr-defined]
    return where + (f", column {column}" if column else "")


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not (
        isinstance(v, float) and math.isnan(v))


def unit_range(unit: str) -> tuple[float | None, float | None] | None:
    """The range implied by a unit string, or None when the unit does not bound the value."""
    key = str(unit).strip().lower()
    if key in _BOUNDED_UNITS:
        return _BOUNDED_UNITS[key]
    if _SCORE_0_100.search(key) or key.startswith("percentile"):
        return (0.0, 100.0)
    if _NONNEGATIVE_UNITS.match(key):
        return (0.0, None)
    return None


def per_value(values: pd.Series, func) -> pd.Series:
    """`func` applied once per distinct value of `values` (a million rows repeat a few
    hundred codes, years and units), aligned back to the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [func(u) for u in uniques]
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _as_text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA \
        else str(v).strip()


def _text(values: pd.Series) -> pd.Series:
    """Strings with NaN/None as ''."""
    return per_value(values, _as_text)


def _countries(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(iso3 or None, the raw label shown in messages) per row."""
    raw = _text(frame["iso3"]) if "iso3" in frame.columns else pd.Series("", index=frame.index)
    if "country" in frame.columns:
        raw = raw.where(raw != "", _text(frame["country"]))
    iso = per_value(raw, lambda s: to_iso3(s) if s else None)
    return iso, raw


class _Reasons:
    """First failing rule per row (later rules do not overwrite earlier ones)."""

    def __init__(self, index: pd.Index) -> None:
        self.rule = pd.Series("", index=index, dtype=object)
        self.reason = pd.Series("", index=index, dtype=object)

    def flag(self, mask: pd.Series, rule: str, reason: pd.Series | str,
             fmt=None) -> None:
        """Mark the rows of `mask` not yet flagged; `reason` is a sentence, a sentence per
        row, or (with `fmt`) the values `fmt` turns into the sentence — only for the rows
        flagged, so a clean million rows format nothing."""
        new = mask & (self.rule == "")
        if not new.any():
            return
        self.rule[new] = rule
        if fmt is not None:
            self.reason[new] = reason[new].map(fmt)
        else:
            self.reason[new] = reason[new] if isinstance(reason, pd.Series) else reason

    @property
    def ok(self) -> pd.Series:
        return self.rule == ""


def validate_observations(frame: pd.DataFrame, source: str, *,
                          rules: Mapping[str, SeriesRule] | None = None,
                          known_units: Mapping[str, str] | None = None,
                          strict: bool = False, across_rows: bool = True) -> ValidationReport:
    """Check `frame` (see the module docstring for its columns); return accepted and rejected.

    `rules` declares ranges per series; `known_units` (series → unit already in the store)
    rejects rows whose unit differs, so one series never mixes units across vintages.
    Raises `DataValidationError` if a required column is missing, if nothing valid remains,
    or — with `strict` — if any row is rejected.

    `across_rows=False` checks each row on its own only — no unit shared by a series' rows,
    no repeated key, no error when nothing is valid: a streamed import validates its chunks
    so, and runs the checks across rows once on everything it read
    (`aidi.store.import_checks`).
    """
    need = [c for c in ("year", "series", "value", "unit") if c not in frame.columns]
    if "iso3" not in frame.columns and "country" not in frame.columns:
        need.insert(0, "iso3 or country")
    if need:
        raise DataValidationError(f"{source}: missing column(s) {', '.join(need)}; expected "
                                  "iso3 (or country), year, series, value, unit")
    if frame.empty and across_rows:
        raise DataValidationError(f"{source}: no rows to import")
    frame = frame.reset_index(drop=True)
    rows = frame["row"] if "row" in frame.columns else pd.Series(frame.index + 1, index=frame.index)
    why = _Reasons(frame.index)

    iso, label = _check_countries(why, frame)
    year = _check_years(why, frame["year"])
    series = _text(frame["series"])
    why.flag(~per_value(series, lambda s: bool(SERIES_ID.match(s))).astype(bool), "series",
             series, lambda s: f"series id {s!r} must start with a letter or digit and use "
                               "only letters, digits, '.', '_', '-', ':'" if s
             else "no series id")

    value = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    why.flag(value.isna(), "value", frame["value"],
             lambda v: f"value {_as_text(v)!r} is not a number" if _as_text(v)
             else "empty value")
    why.flag(~np.isfinite(value.fillna(0.0)), "value", "value is not finite")

    unit = _text(frame["unit"])
    why.flag(unit == "", "unit", "empty unit (say what the number measures, e.g. 'count')")
    _check_units(why, series, unit, known_units or {}, within=across_rows)
    _check_ranges(why, series, unit, value, rules or {})
    if across_rows:
        _check_duplicates(why, iso, year, series, rows)

    ok = why.ok
    accepted = _accepted(frame[ok], iso[ok], year[ok], series[ok], value[ok], unit[ok], source)
    if not across_rows:  # where each row came from, for the checks run later across rows
        accepted["row"] = rows[ok].to_numpy()
        accepted["country_label"] = label[ok].to_numpy()
    report = ValidationReport(source, accepted,
                              _rejected(frame, why, source, rows, label, series))
    if accepted.empty and across_rows:
        raise DataValidationError("nothing valid to store — " + report.summary())
    if strict:
        report.raise_if_rejected()
    return report


def _check_countries(why: _Reasons, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(ISO3 code or NaN, the country as written) per row; unknown countries and aggregates
    (regions, groups) flagged."""
    iso, label = _countries(frame)
    unknown = iso.isna()
    aggregate = unknown & per_value(label, lambda s: bool(s) and is_aggregate(s)).astype(bool)
    why.flag(label == "", "country", "no country")
    why.flag(aggregate, "aggregate", label,
             lambda s: f"{s!r} is an aggregate (region or group), not a country")
    why.flag(unknown, "country", label,
             lambda s: f"unknown country {s!r} (use an ISO3 code or an English/Chinese name)")
    return iso, label


def _check_years(why: _Reasons, years: pd.Series) -> pd.Series:
    """The year as a number per row; not whole numbers and years out of range flagged."""
    year = pd.to_numeric(years, errors="coerce")
    bad_year = year.isna() | (year != year.round())
    why.flag(bad_year, "year", years,
             lambda v: f"year {_as_text(v)!r} is not a whole number" if _as_text(v)
             else "no year")
    out_year = ~bad_year & ((year < YEAR_RANGE[0]) | (year > YEAR_RANGE[1]))
    why.flag(out_year, "year", years,
             lambda v: f"year {_as_text(v)} outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    return year


def _rejected(frame: pd.DataFrame, why: _Reasons, source: str, rows: pd.Series,
              label: pd.Series, series: pd.Series) -> pd.DataFrame:
    """The rejected rows as written, each with the rule and the reason."""
    bad = ~why.ok
    rejected = pd.DataFrame({
        "source": source, "row": rows[bad].to_numpy(), "country": label[bad].to_numpy(),
        "year": _text(frame["year"][bad]).to_numpy(), "series": series[bad].to_numpy(),
        "value": _text(frame["value"][bad]).to_numpy(), "rule": why.rule[bad].to_numpy(),
        "reason": why.reason[bad].to_numpy()}, columns=list(REJECTED_COLUMNS))
    if "column" in frame.columns:  # wide user files: the year column of the cell
        rejected.insert(2, "column", _text(frame["column"])[bad].to_numpy())
    return rejected


def _check_units(why: _Reasons, series: pd.Series, unit: pd.Series,
                 known: Mapping[str, str], within: bool = True) -> None:
    """One unit per series: within the input, and equal to the store's unit for that series."""
    stored = series.map(dict(known)).astype(object) if known else \
        pd.Series(None, index=series.index, dtype=object)
    differs = stored.notna() & (unit != stored.fillna(""))
    if differs.any():
        why.flag(differs, "unit", pd.Series(
            [f"unit {u!r} differs from the store's unit {k!r} for series {s!r} (convert the "
             "values or use another series id)" for u, k, s in
             zip(unit[differs], stored[differs], series[differs], strict=True)],
            index=unit.index[differs.to_numpy()]).reindex(unit.index))
    live = why.ok & (unit != "")
    if not within or not live.any():
        return
    common = unit[live].groupby(series[live]).agg(lambda u: u.value_counts().index[0])
    expected = series.map(common)
    mixed = live & expected.notna() & (unit != expected)
    why.flag(mixed, "unit", pd.Series(
        [f"unit {u!r} differs from {e!r} used by the other rows of series {s!r}"
         for u, e, s in zip(unit, expected, series, strict=True)], index=unit.index))


def _check_ranges(why: _Reasons, series: pd.Series, unit: pd.Series, value: pd.Series,
                  rules: Mapping[str, SeriesRule]) -> None:
    cache: dict[tuple[str, str], tuple[float | None, float | None] | None] = {}

    def bounds(s: str, u: str) -> tuple[float | None, float | None] | None:
        if (s, u) not in cache:
            rule = rules.get(s)
            cache[(s, u)] = (rule.low, rule.high) if rule else unit_range(u)
        return cache[(s, u)]

    pairs = pd.Series(list(zip(series, unit, strict=True)), index=value.index, dtype=object) \
        if len(series) else pd.Series([], dtype=object)
    lim = per_value(pairs, lambda su: bounds(*su))
    lo = pd.to_numeric(per_value(lim, lambda b: b[0] if isinstance(b, tuple) and b[0] is not None
                                 else -np.inf))
    hi = pd.to_numeric(per_value(lim, lambda b: b[1] if isinstance(b, tuple) and b[1] is not None
                                 else np.inf))
    out = value.notna() & ((value < lo) | (value > hi))
    if out.any():
        why.flag(out, "range", pd.Series(
            [_range_text(v, a, b, u) for v, a, b, u in
             zip(value[out], lo[out], hi[out], unit[out], strict=True)],
            index=value.index[out.to_numpy()]).reindex(value.index))


def _range_text(v: float, lo: float, hi: float, unit: str) -> str:
    if math.isinf(hi):
        return f"negative value {v:g} for unit {unit!r} (must be >= {lo:g})"
    return f"value {v:g} outside {lo:g}–{hi:g} for unit {unit!r}"


def _check_duplicates(why: _Reasons, iso: pd.Series, year: pd.Series, series: pd.Series,
                      rows: pd.Series) -> None:
    """Every row of a repeated (iso3, year, series) key is rejected: which one is right?"""
    live = why.ok
    keys = pd.DataFrame({"iso3": iso, "year": year, "series": series})[live]
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    groups = rows[dup[dup].index].groupby([keys.loc[dup, c] for c in keys.columns])
    text = {}
    for key, g in groups:
        listed = ", ".join(str(int(r)) if _is_num(r) else str(r) for r in g.iloc[:6])
        for i in g.index:
            text[i] = (f"({key[0]}, {int(key[1])}, {key[2]}) appears more than once "
                       f"(rows {listed}{', …' if len(g) > 6 else ''})")
    mask = pd.Series(False, index=iso.index)
    mask[list(text)] = True
    why.flag(mask, "duplicate", pd.Series(text).reindex(iso.index).fillna(""))


def _accepted(frame: pd.DataFrame, iso: pd.Series, year: pd.Series, series: pd.Series,
              value: pd.Series, unit: pd.Series, source: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "iso3": iso.astype(str), "year": year.astype("int64"), "series": series.astype(str),
        "value": value.astype("float64"), "unit": unit.astype(str),
        "source": _text(frame["source"]).replace("", source) if "source" in frame.columns
        else source,
        "file": _text(frame["file"]) if "file" in frame.columns else "",
    })
    extra = [c for c in frame.columns if c not in TIDY and c not in ("country", "row", "column")]
    for column in extra:
        out[column] = frame[column]
    return out.reset_index(drop=True)
