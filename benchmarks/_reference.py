"""Recorded COINr measurements (`coinr_reference.csv`), for the benchmarks to print beside what
they measure. The figures are data with their date, machine, COINr version and command — never
typed into a print statement — and are always printed labelled as recorded, not measured.
"""

from __future__ import annotations

import csv
from pathlib import Path

REFERENCE = Path(__file__).with_name("coinr_reference.csv")
FIELDS = ("date", "machine", "coinr_version", "dataset", "sa_type", "N", "replicates",
          "seconds", "command", "note")


def load_reference(path: Path = REFERENCE) -> list[dict[str, object]]:
    """Rows of the reference file, numbers parsed, `seconds_per_replicate` derived."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: list[dict[str, object]] = []
    for i, row in enumerate(rows, start=2):
        missing = [f for f in FIELDS if not row.get(f)]
        if missing:
            raise ValueError(f"{path.name} line {i}: missing {missing}")
        rec: dict[str, object] = dict(row)
        rec["N"], rec["replicates"] = int(row["N"]), int(row["replicates"])
        rec["seconds"] = float(row["seconds"])
        rec["seconds_per_replicate"] = rec["seconds"] / rec["replicates"]
        out.append(rec)
    return out


def describe(rec: dict[str, object]) -> str:
    """One line: the recorded run, labelled as a recording with its provenance."""
    return (f"recorded (not measured in this run): COINr {rec['coinr_version']} on "
            f"{rec['dataset']}, {rec['sa_type']} N={rec['N']}: {rec['replicates']:,} replicates "
            f"in {rec['seconds']:g} s = {float(rec['seconds_per_replicate']) * 1e3:.0f} "
            f"ms/replicate [{rec['date']}, {rec['machine']}; `{rec['command']}`]")
