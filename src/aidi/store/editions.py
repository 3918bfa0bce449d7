"""What an edition name means, as SQL over the store's vintages.

Three kinds of names, so that a build can always say exactly which numbers it used:

- a pinned edition (`2024`, or any made with `Store.create_edition`): the values of a fixed set
  of vintages — for each (iso3, year, series) the newest among them. It never moves when
  later vintages arrive, which is what makes `aidi build --edition 2024` reproducible after
  any refresh. The user's own imported series (vintages of kind `import`) are layered on top
  for series the pinned vintages do not have: they are the user's data, not a publisher's
  revision, so a custom spec can use them with any edition.
- `latest`: for each key, the value of the newest vintage that has it.
- a vintage id (`v3`, or `3`): the store as it was right after that vintage ("latest as of").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aidi.errors import AidiError

LATEST = "latest"
DEFAULT_EDITION = "2024"
VINTAGE_ID = re.compile(r"^v?(\d+)$")


class UnknownEdition(AidiError, KeyError):
    """An edition name the store does not know."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Selection:
    """Which rows an edition reads: `as_of` (a vintage seq) or a pinned vintage list."""

    name: str
    as_of: int | None = None
    pinned: tuple[str, ...] = ()


def vintage_id(seq: int) -> str:
    return f"v{seq}"


def newest_per_key(where: str) -> str:
    """Rows of `observations o` matching `where`, newest vintage per (iso3, year, series)."""
    return (f"SELECT o.*, v.seq FROM observations o JOIN vintages v USING (vintage_id) "
            f"WHERE {where} QUALIFY row_number() OVER "
            f"(PARTITION BY o.iso3, o.year, o.series ORDER BY v.seq DESC) = 1")


def selection_sql(sel: Selection) -> tuple[str, list[object]]:
    """SQL (and parameters) returning the edition's rows with every stored column."""
    if sel.as_of is not None:
        return newest_per_key("v.seq <= ?"), [sel.as_of]
    pinned = list(sel.pinned)
    base = newest_per_key("list_contains(?, o.vintage_id)")
    overlay = newest_per_key(
        "v.kind = 'import' AND NOT list_contains(?, o.vintage_id) AND o.series NOT IN "
        "(SELECT DISTINCT series FROM observations WHERE list_contains(?, vintage_id))")
    return f"{base} UNION ALL {overlay}", [pinned, pinned, pinned]
