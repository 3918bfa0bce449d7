"""What a vintage name means, as SQL over the store's vintages.

Two notions are kept apart (issue #11): an **edition** is the index's year — which data window
it reads (`aidi.specs.editions`: edition 2024 reads 2021–2023, `latest` the newest complete
years); a **vintage** is a state of the data — which stored values a build reads. This module
is about vintages. The names, so that a build can always say exactly which numbers it used:

- a pin: the values of a fixed set of vintages — for each (iso3, year, series) the newest
  among them. It never moves when later vintages arrive. `snapshot` (stored under its legacy
  name `2024`) pins the shipped snapshot, which is what makes an edition rebuilt after any
  refresh byte-identical; `edition-2023` (`Store.pin_edition`) pins the data an edition was
  published on; any other name is a user's pin (`Store.create_edition`). The user's own
  imported series (vintages of kind `import`) are layered on top for series the pinned
  vintages do not have: they are the user's data, not a publisher's revision, so a custom spec
  can use them with any pin.
- `latest`: for each key, the value of the newest vintage that has it.
- a vintage id (`v3`, or `3`): the store as it was right after that vintage ("latest as of").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aidi.errors import AidiError

LATEST = "latest"
#: The shipped snapshot's pin, under the name stores have always used for it.
DEFAULT_EDITION = "2024"
#: The vintage name of the shipped snapshot (an alias of the pin above).
SNAPSHOT = "snapshot"
#: Prefix of the pin that records the data an edition was published on.
EDITION_PIN = "edition-"
VINTAGE_ID = re.compile(r"^v?(\d+)$")


class UnknownEdition(AidiError, KeyError):
    """An edition name the store does not know."""

    def __str__(self) -> str:
        return str(self.args[0])


#: The same error under its new name: what the store does not know is a vintage.
UnknownVintage = UnknownEdition


def pin_name(vintage: str) -> str:
    """The stored pin a vintage name refers to (`snapshot` → the snapshot's pin)."""
    return DEFAULT_EDITION if vintage == SNAPSHOT else vintage


def edition_pin(edition: str | int) -> str:
    """The pin recording the data of an edition (`2023` → `edition-2023`)."""
    return f"{EDITION_PIN}{edition}"


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
