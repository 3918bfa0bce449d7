"""What every model of a spec is built on: a frozen pydantic model that refuses unknown keys
and non-finite numbers, and the bilingual `Label`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Label"]


class _Frozen(BaseModel):
    # no number of a spec may be ∞ or NaN: each would silently turn every score into one
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Label(_Frozen):
    """A name in English and Chinese (Chinese falls back to English)."""

    en: str
    zh: str | None = None

    def get(self, lang: str = "en") -> str:
        return self.zh if (lang == "zh" and self.zh) else self.en
