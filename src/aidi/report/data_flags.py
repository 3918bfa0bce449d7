"""Sentences about what a build's cells rest on, for the console and the report: how many cells
carry each data flag (`aidi.analysis.flags.flag_counts`) and whether the edition is a backcast
(`aidi.inputs.editions.backcast`), in English or Chinese."""

from __future__ import annotations

import re
from collections.abc import Mapping

from aidi.report.translations import t

#: The order flag classes are listed in (most consequential first).
ORDER = ("missing", "imputed", "zero_filled", "carried_forward", "stale", "out_of_window")
_BACKCAST = re.compile(r"^backcast on the (?:(?P<date>\d{4}-\d{2}-\d{2}) )?"
                       r"(?:(?P<snapshot>snapshot)|vintage (?P<name>.+))$")


def flag_counts_text(counts: Mapping[str, int], lang: str) -> dict[str, object]:
    """{cells, clean, counts}: the fields of `summary.flag_counts` / `cli.flag_counts`, every
    flag class named with its count (zero counts included, so nothing looks hidden)."""
    sep = "；" if lang == "zh" else "; "
    names = {k: t(f"dataflag.{k}", lang) for k in ORDER}
    if lang == "en":  # inside a sentence
        names = {k: v[0].lower() + v[1:] for k, v in names.items()}
    parts = [f"{names[k]} {int(counts.get(k, 0))}" for k in ORDER]
    return {"cells": int(counts.get("cells", 0)), "clean": int(counts.get("clean", 0)),
            "counts": sep.join(parts)}


def backcast_text(phrase: str | None, lang: str) -> str | None:
    """The backcast phrase ("backcast on the 2026-12-04 snapshot") in `lang`."""
    if not phrase:
        return None
    m = _BACKCAST.match(phrase)
    if m is None:
        return phrase
    if m["snapshot"]:
        return t("backcast.snapshot", lang, date=m["date"] or "")
    if m["date"]:
        return t("backcast.vintage", lang, date=m["date"], name=m["name"])
    return t("backcast.undated", lang, name=m["name"])
