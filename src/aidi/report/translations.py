"""Every word the report and the charts show, in English and Chinese.

The strings live in `translations.json` beside this module (shipped as package data) so that a
translator can edit one file without touching code, and so that a test can check that every key
has both languages. Code asks for a key, never for a literal: a typo then fails loudly with a
`KeyError` naming the closest known keys, instead of silently printing the key itself.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

__all__ = ["LANGS", "TranslationKeyError", "all_keys", "has", "incomplete", "label", "t",
           "translations"]

#: Languages every key must have.
LANGS: tuple[str, ...] = ("en", "zh")

_FILE = Path(__file__).with_name("translations.json")


class TranslationKeyError(KeyError):
    """A key that `translations.json` does not define (a `KeyError`, with a readable message)."""

    def __str__(self) -> str:  # KeyError's default repr-quotes the message
        return str(self.args[0]) if self.args else ""


@cache
def translations() -> Mapping[str, Mapping[str, str]]:
    """The whole table, key → {lang → text}; read once per process."""
    with _FILE.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{_FILE} must hold a JSON object of key → {{lang: text}}")
    return data


def all_keys() -> list[str]:
    """Every key, in file order."""
    return list(translations())


def has(key: str) -> bool:
    """True if `key` is defined (lets callers translate a column only when a key exists)."""
    return key in translations()


def incomplete() -> dict[str, list[str]]:
    """Keys missing a language (or with an empty text), key → missing languages. Should be {}."""
    out: dict[str, list[str]] = {}
    for key, texts in translations().items():
        missing = [lang for lang in LANGS
                   if not isinstance(texts, dict) or not str(texts.get(lang) or "").strip()]
        if missing:
            out[key] = missing
    return out


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """The text of `key` in `lang`, with `{placeholders}` filled from `fmt`.

    Raises `TranslationKeyError` (a `KeyError`) for an unknown key, listing the closest keys,
    and `ValueError` for a language other than en/zh.
    """
    _check_lang(lang)
    table = translations()
    if key not in table:
        near = difflib.get_close_matches(key, table.keys(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise TranslationKeyError(f"no translation for key {key!r} in {_FILE.name}{hint}")
    text = table[key].get(lang) or table[key]["en"]
    return text.format(**fmt) if fmt else text


def label(name: str, lang: str = "en", prefixes: tuple[str, ...] = ("col.", "node.")) -> str:
    """Translate a column or node id if a `col.`/`node.` key exists, else return it unchanged.

    Tables appended by other analyses carry their own column names; this lets the report
    translate the ones it knows without failing on the ones it does not.
    """
    for prefix in prefixes:
        if has(prefix + name):
            return t(prefix + name, lang)
    return name
