"""Felten–Raj–Seamans AI Industry Exposure (AIIE) → exposure of the model's 7 industries.

Inputs (relative to the raw-data root):

* ``aioe/AIOE_DataAppendix.xlsx`` sheet *Appendix B* — AIIE (Felten et al. 2021), 250 rows
  keyed by 4-digit NAICS;
* ``aioe/Language Modeling AIOE and AIIE.xlsx`` sheet *LM AIIE* and
  ``aioe/Image Generation AIOE and AIIE.xlsx`` sheet *IG AIIE* (Felten et al. 2023), the same
  250 industries keyed by 6-character BLS OES codes (``611100``; ``3250A1`` aggregates);
* ``naics_isic_concordance/2017_NAICS_to_ISIC_4.xlsx`` (US Census) and
  ``naics_isic_concordance/ISIC4_ISIC31.csv`` (UNSD) for the crosswalk.

**The 250 AIIE industries.** Each row is one BLS OES industry: a 4-digit NAICS (``1133``), a
3-digit group written with a trailing 0 (``5310`` Real Estate = NAICS 531), a BLS aggregate of
listed 4-digit codes whose title says which (``Chemical Manufacturing (3255 and 3256 only)``,
BLS ``3250A2``; Appendix B prints it as plain ``3250``), or one of the OES government codes
``9991/9992/9993`` (federal / state / local government excluding schools, hospitals and the
postal service), which are not NAICS and are mapped to NAICS sector 92 (public
administration). Rows are keyed here by ``naics4``: the 4-digit code, or for a listed
aggregate ``code:member+member`` (``3250:3255+3256``) — derived from the title, so the key is
the same in all three files.

**Crosswalk** (:func:`crosswalk_weights`). No official weights exist, so every one-to-many
step splits equally:

1. AIIE row → its 2017 NAICS 6-digit industries (prefix match on its members; a 3-digit
   aggregate excludes 4-digit codes that have their own row), equal weight per 6-digit code;
2. NAICS 6-digit → ISIC Rev.4 classes of the Census concordance, equal split over the
   distinct classes (a "group level link" to an ISIC group is split over the group's classes);
3. ISIC Rev.4 class → ISIC Rev.3.1 classes (UNSD correspondence), equal split over the
   Rev.3.1 classes wholly contained in the Rev.4 class when there are any (``"contained"``,
   default; the other links are carve-outs of single activities), else over all links
   (``isic31_split="equal"`` splits over all links always);
4. ISIC Rev.3.1 division → model industry (01–05 AB; 10–14, 40–41 CE_excl_D; 15–37 D; 45 F;
   50–55 GH; 60–64 I; 65–99 JP). Step 3 matters: Rev.4 publishing (58) was manufacturing
   (22) in Rev.3.1, Rev.4 telecoms (61) belongs to Rev.3 I.

**Weighting.** Industry exposure is the crosswalk-weighted mean of the AIIE rows mapped to it,
times an employment weight per row when one is given (``employment=``, a Series keyed by
``naics4``, e.g. BLS OEWS industry totals). The raw inputs hold no US employment by industry
(the BLS OEWS file in ``gpts_are_gpts/`` is cross-industry only), so the default is *equal*
weights across the NAICS industries mapped: a small industry counts as much as a large one.

**Coverage caveat.** OES (hence AIIE) does not cover farms (NAICS 111–112) nor fishing
(1141): agriculture's exposure rests on logging (1133), support activities for crop and
animal production (1151, 1152) and the agricultural parts of a few other industries.

**gpts_beta is not produced.** Eloundou et al.'s ``dv_rating_beta`` is by occupation; turning
it into industry exposure needs occupation-by-industry employment (OEWS industry-specific
tables), which the raw inputs lack — the national OEWS file is cross-industry, and the AIOE
occupation list carries no industry information. Any industry mapping would be invented, so
the variant is skipped.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from aidi.engine.exposure_shares import INDUSTRY_NAMES, aggregate_exposure, exposure_to_share
from aidi.sources.raw._common import rel, require

SOURCE = "Felten, Raj & Seamans — AI Industry Exposure (AIIE)"
FOLDER = "aioe"
CONCORDANCE = "naics_isic_concordance"
NAICS_ISIC4_FILE = f"{CONCORDANCE}/2017_NAICS_to_ISIC_4.xlsx"
ISIC4_ISIC31_FILE = f"{CONCORDANCE}/ISIC4_ISIC31.csv"
ISIC4_STRUCTURE_FILE = f"{CONCORDANCE}/ISIC_Rev_4_english_structure.csv"

Isic31Split = Literal["contained", "equal"]

#: BLS OES government codes (not NAICS) → NAICS sector used for them.
GOVERNMENT_CODES: dict[str, str] = {"9991": "92", "9992": "92", "9993": "92"}


@dataclass(frozen=True)
class Variant:
    """Where one AIIE variant lives in the raw files."""

    file: str
    sheet: str
    score: str
    title: str
    label: str


VARIANTS: dict[str, Variant] = {
    "aiie": Variant(f"{FOLDER}/AIOE_DataAppendix.xlsx", "Appendix B", "AIIE", "Industry Title",
                    "Felten, Raj & Seamans (2021) AIIE"),
    "lm_aiie": Variant(f"{FOLDER}/Language Modeling AIOE and AIIE.xlsx", "LM AIIE",
                       "Language Modeling AIIE", "NAICS Description",
                       "Felten, Raj & Seamans (2023) language-modeling AIIE"),
    "ig_aiie": Variant(f"{FOLDER}/Image Generation AIOE and AIIE.xlsx", "IG AIIE",
                       "Image Generation AIIE", "NAICS Description",
                       "Felten, Raj & Seamans (2023) image-generation AIIE"),
}

# ISIC Rev.3.1 divisions → model industry (UN AMA groupings, D split out of C-E).
_DIVISION_RANGES: tuple[tuple[int, int, str], ...] = (
    (1, 5, "AB"), (10, 14, "CE_excl_D"), (15, 37, "D"), (40, 41, "CE_excl_D"),
    (45, 45, "F"), (50, 55, "GH"), (60, 64, "I"), (65, 99, "JP"),
)

_ONLY = re.compile(r"\(([^()]*)\bonly\)", re.IGNORECASE)


def _read_excel(path: Path, sheet: str | int, **kwargs: object) -> pd.DataFrame:
    """pd.read_excel without openpyxl's harmless "Unknown extension" warning on these files."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unknown extension", category=UserWarning)
        return pd.read_excel(path, sheet_name=sheet, **kwargs)


# ----------------------------------------------------------------------------------------
# AIIE scores
# ----------------------------------------------------------------------------------------

def _members(code4: str, title: str) -> tuple[str, ...]:
    """NAICS prefixes a row covers: listed 4-digit codes, a 3-digit group, sector 92, or itself."""
    listed = _ONLY.search(title)
    if listed:
        return tuple(sorted(re.findall(r"\b\d{4}\b", listed.group(1))))
    if code4 in GOVERNMENT_CODES:
        return (GOVERNMENT_CODES[code4],)
    if code4.endswith("0"):
        return (code4[:3],)
    return (code4,)


def _key(code4: str, members: tuple[str, ...]) -> str:
    """``code4``, or ``code4:m1+m2`` for a BLS aggregate of listed 4-digit codes."""
    listed = members != (code4,) and all(len(m) == 4 for m in members)
    return f"{code4}:{'+'.join(members)}" if listed else code4


def _read_variant(raw_dir: Path, name: str, spec: Variant) -> pd.DataFrame:
    path = require(Path(raw_dir) / spec.file)
    data = _read_excel(path, spec.sheet, dtype={"NAICS": str})
    code4 = data["NAICS"].astype(str).str.strip().str[:4]
    titles = data[spec.title].astype(str).str.strip()
    members = [_members(c, t) for c, t in zip(code4, titles, strict=True)]
    out = pd.DataFrame({
        "variant": name,
        "naics4": [_key(c, m) for c, m in zip(code4, members, strict=True)],
        "title": titles,
        "members": members,
        "score": pd.to_numeric(data[spec.score], errors="coerce").astype(float),
        "file": rel(raw_dir, path),
    })
    if out["naics4"].duplicated().any():
        raise ValueError(f"{spec.file}: duplicate industry keys "
                         f"{sorted(out.loc[out['naics4'].duplicated(), 'naics4'])}")
    return out


def read_aiie_scores(raw_dir: Path) -> pd.DataFrame:
    """All AIIE variants at NAICS level: ``variant, naics4, title, members, score, file``.

    Scores are as published: standardised across the 250 US industries of each variant.
    """
    return pd.concat([_read_variant(raw_dir, n, v) for n, v in VARIANTS.items()],
                     ignore_index=True)


# ----------------------------------------------------------------------------------------
# Crosswalk
# ----------------------------------------------------------------------------------------

def _isic4_structure(raw_dir: Path) -> dict[str, tuple[str, ...]]:
    """ISIC Rev.4 group (3-digit) → its classes (4-digit)."""
    path = require(Path(raw_dir) / ISIC4_STRUCTURE_FILE)
    codes = pd.read_csv(path, dtype=str)["Code"].str.strip()
    classes = codes[codes.str.fullmatch(r"\d{4}")]
    return {g: tuple(c) for g, c in classes.groupby(classes.str[:3])}


def _resolve_isic(raw: str, notes: str, groups: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """ISIC classes for one concordance cell (Excel dropped leading zeros; some are groups)."""
    code = raw.strip()
    if "group level link" in notes.lower():
        group = code.zfill(3)
        if group not in groups:
            raise ValueError(f"{NAICS_ISIC4_FILE}: unknown ISIC group {code!r}")
        return groups[group]
    return (code.zfill(4),)


def naics6_to_isic4(raw_dir: Path) -> pd.DataFrame:
    """2017 NAICS 6-digit → ISIC Rev.4 class with equal-split weights (sum 1 per NAICS).

    The Census table has many-to-many links and no weights; each NAICS code's weight is
    split equally over its distinct ISIC classes. The two "Multiple NAICS industries" rows
    (ISIC 9810/9820, households' own use) are not NAICS industries and are dropped.
    """
    path = require(Path(raw_dir) / NAICS_ISIC4_FILE)
    data = _read_excel(path, 0, dtype=str)
    header = [str(c).replace("\n", " ") for c in data.columns]
    if "NAICS" not in header[1] or "ISIC" not in header[4]:
        raise ValueError(f"{NAICS_ISIC4_FILE}: unexpected layout, columns {header}")
    data = data.iloc[:, [1, 4, 6]].set_axis(["naics6", "isic4", "notes"], axis=1)
    data = data[data["naics6"].str.strip().str.fullmatch(r"\d{6}")]
    groups = _isic4_structure(Path(raw_dir))
    pairs = {
        (n.strip(), c)
        for n, i, note in data.itertuples(index=False)
        for c in _resolve_isic(str(i), str(note) if pd.notna(note) else "", groups)
    }
    out = pd.DataFrame(sorted(pairs), columns=["naics6", "isic4"])
    out["weight"] = 1.0 / out.groupby("naics6")["isic4"].transform("size")
    return out


def _division_industry(division: int) -> str:
    for lo, hi, industry in _DIVISION_RANGES:
        if lo <= division <= hi:
            return industry
    raise ValueError(f"ISIC Rev.3.1 division {division:02d} has no model industry")


def isic4_to_industry(raw_dir: Path, isic31_split: Isic31Split = "contained") -> pd.DataFrame:
    """ISIC Rev.4 class → model industry via ISIC Rev.3.1 (weights sum to 1 per class).

    A Rev.4 class with several Rev.3.1 links is split equally over a set of them:

    * ``"contained"`` (default): over the Rev.3.1 classes that lie *wholly* inside the Rev.4
      class (``partialISIC31 == 0``) when there is at least one, else over all links. When a
      Rev.4 class contains whole Rev.3.1 classes, its other links are slices of other classes,
      named in ``Detail`` as specific activities — e.g. 9499 "other membership
      organisations" = all of Rev.3.1 9199 plus "service activities to promote hunting"
      (0150) and "grant giving by membership organisations" (6599). An equal split would send
      a third of grant-making foundations to agriculture.
    * ``"equal"``: over all distinct links.
    """
    if isic31_split not in ("contained", "equal"):
        raise ValueError(f"isic31_split must be 'contained' or 'equal', got {isic31_split!r}")
    path = require(Path(raw_dir) / ISIC4_ISIC31_FILE)
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    if isic31_split == "contained":
        whole = data["partialISIC31"].str.strip() == "0"
        data = data[whole | ~whole.groupby(data["ISIC4code"]).transform("any")]
    data = data[["ISIC4code", "ISIC31code"]].drop_duplicates()
    data["weight"] = 1.0 / data.groupby("ISIC4code")["ISIC31code"].transform("size")
    data["industry"] = [_division_industry(int(c[:2])) for c in data["ISIC31code"]]
    out = data.groupby(["ISIC4code", "industry"], as_index=False)["weight"].sum()
    return out.rename(columns={"ISIC4code": "isic4"})


def _naics6_for(members: tuple[str, ...], naics6: pd.Series,
                own_rows: frozenset[str]) -> list[str]:
    """2017 NAICS 6-digit codes a row covers; 3-digit groups skip 4-digit codes with own rows."""
    hits = []
    for m in members:
        sel = naics6[naics6.str.startswith(m)]
        if len(m) == 3:
            sel = sel[~sel.str[:4].isin(own_rows)]
        hits.extend(sel)
    return sorted(set(hits))


def naics_rows_to_naics6(raw_dir: Path, naics6_isic4: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each AIIE row (``naics4`` key) → its 2017 NAICS 6-digit codes, equal weights.

    The AIIE industries are the same 250 in every variant (checked in the tests), so
    Appendix B defines them.
    """
    scores = _read_variant(raw_dir, "aiie", VARIANTS["aiie"])
    if naics6_isic4 is None:
        naics6_isic4 = naics6_to_isic4(raw_dir)
    n6 = pd.Series(sorted(naics6_isic4["naics6"].unique()))
    own = frozenset(m for ms in scores["members"] for m in ms if len(m) == 4)
    rows = []
    for key, members in zip(scores["naics4"], scores["members"], strict=True):
        codes = _naics6_for(members, n6, own)
        if not codes:
            raise ValueError(f"AIIE industry {key} matches no 2017 NAICS code")
        rows += [(key, c, 1.0 / len(codes)) for c in codes]
    return pd.DataFrame(rows, columns=["naics4", "naics6", "weight"])


def crosswalk_weights(raw_dir: Path, isic31_split: Isic31Split = "contained") -> pd.DataFrame:
    """AIIE industry (``naics4`` key) → model industry weights, summing to 1 per ``naics4``.

    ``weight`` = share of the NAICS industry attributed to each model industry after the
    chain NAICS row → NAICS 2017 6-digit (equal) → ISIC Rev.4 class (equal split) → ISIC
    Rev.3.1 class (``isic31_split``, see :func:`isic4_to_industry`) → UN AMA grouping; see
    the module docstring.
    """
    raw_dir = Path(raw_dir)
    n6_i4, i4_ind = naics6_to_isic4(raw_dir), isic4_to_industry(raw_dir, isic31_split)
    unmatched = set(n6_i4["isic4"]) - set(i4_ind["isic4"])
    if unmatched:
        raise ValueError(f"ISIC Rev.4 classes missing from {ISIC4_ISIC31_FILE}: {sorted(unmatched)}")
    chain = (naics_rows_to_naics6(raw_dir, n6_i4)
             .merge(n6_i4, on="naics6", suffixes=("", "_i4"))
             .merge(i4_ind, on="isic4", suffixes=("", "_ind")))
    chain["w"] = chain["weight"] * chain["weight_i4"] * chain["weight_ind"]
    out = chain.groupby(["naics4", "industry"], as_index=False)["w"].sum()
    return out.rename(columns={"w": "weight"}).sort_values(["naics4", "industry"],
                                                           ignore_index=True)


# ----------------------------------------------------------------------------------------
# Industry exposure table
# ----------------------------------------------------------------------------------------

def read_industry_exposure(
    raw_dir: Path,
    method: str = "minmax",
    employment: pd.Series | None = None,
    isic31_split: Isic31Split = "contained",
    **method_options: float,
) -> pd.DataFrame:
    """Exposure (0–1) of the 7 model industries for each AIIE variant.

    Each variant's NAICS-level scores are first turned into 0–1 shares with
    :func:`aidi.engine.exposure_shares.exposure_to_share` (``method``, default min–max over that
    variant's ~250 NAICS industries) and then averaged into the model industries with
    :func:`crosswalk_weights` (``isic31_split``) and ``employment`` weights keyed by
    ``naics4`` (equal when None — see the module docstring). Columns: ``variant, industry, industry_name, exposure, n_naics, source, file``.
    """
    raw_dir = Path(raw_dir)
    scores = read_aiie_scores(raw_dir)
    crosswalk = crosswalk_weights(raw_dir, isic31_split)
    files = f"{{}}; {NAICS_ISIC4_FILE}; {ISIC4_ISIC31_FILE}; {ISIC4_STRUCTURE_FILE}"
    frames = []
    for name, spec in VARIANTS.items():
        s = scores[scores["variant"] == name].set_index("naics4")["score"]
        share = exposure_to_share(s, method, **method_options)
        agg = aggregate_exposure(share, crosswalk, employment)
        frames.append(agg.assign(variant=name, source=f"{spec.label}; {method} to 0–1",
                                 file=files.format(spec.file)))
    out = pd.concat(frames, ignore_index=True)
    out["industry_name"] = out["industry"].map(INDUSTRY_NAMES)
    cols = ["variant", "industry", "industry_name", "exposure", "n_naics", "source", "file"]
    return out.loc[:, cols]


#: Ways of turning standardised AIIE scores into 0–1 exposure shipped in the snapshot; the
#: choice drives the level of every exposed share, so it stays a run-time parameter.
SHIPPED_SHARE_METHODS: tuple[str, ...] = ("minmax", "rank", "logistic")


def read_industry_exposure_table(raw_dir: Path) -> pd.DataFrame:
    """The snapshot's table: every variant under every shipped share method (`share_method`)."""
    frames = [read_industry_exposure(raw_dir, method).assign(share_method=method)
              for method in SHIPPED_SHARE_METHODS]
    return pd.concat(frames, ignore_index=True)


TABLES = {"industry_exposure": read_industry_exposure_table}
