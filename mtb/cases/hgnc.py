"""Refreshing the gene symbol table from HGNC's complete set (hgnc_complete_set.txt, the
"Complete HGNC approved dataset" TSV download of genenames.org).

Only approved entries are read: each approved symbol, and each of its previous symbols
and aliases pointing to it. The data's date is the newest ``date_modified`` in the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

#: The columns the table needs; a file without them is not HGNC's complete set.
REQUIRED = ("symbol", "status", "location", "alias_symbol", "prev_symbol")


class NotHgncFile(ValueError):
    """The file is not HGNC's complete set (or not a TSV)."""


@dataclass(frozen=True)
class Refreshed:
    approved: int
    rows: int
    date: str


def _chromosome(location: str) -> str:
    """"7q34" -> "7", "Xp22.33" -> "X", "mitochondria" -> "MT"."""
    location = (location or "").strip()
    if location.startswith("mitochondria"):
        return "MT"
    for i, ch in enumerate(location):
        if not (ch.isdigit() or ch in "XY"):
            return location[:i]
    return location


def _names(cell: str) -> list[str]:
    """HGNC lists several names in one cell as "A|B|C", sometimes quoted."""
    return [name.strip() for name in (cell or "").strip('"').split("|") if name.strip()]


def read_complete_set(source: Path) -> tuple[list[tuple[str, str, str]], str]:
    """(rows of symbol, approved_symbol, chromosome; the data's date). Raises NotHgncFile."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise NotHgncFile(f"{source} has no column {', '.join(missing)}: download the complete HGNC "
                              "dataset (hgnc_complete_set.txt, TSV) from genenames.org")
        approved_rows, other_rows, newest = [], [], ""
        for row in reader:
            if (row.get("status") or "").strip() != "Approved":
                continue
            symbol = row["symbol"].strip()
            chromosome = _chromosome(row.get("location", ""))
            approved_rows.append((symbol, symbol, chromosome))
            for name in _names(row.get("prev_symbol", "")) + _names(row.get("alias_symbol", "")):
                if name != symbol:
                    other_rows.append((name, symbol, chromosome))
            for column in ("date_modified", "date_approved_reserved"):
                value = (row.get(column) or "").strip()
                if len(value) == 10 and value > newest:
                    newest = value
    if not approved_rows:
        raise NotHgncFile(f"{source} holds no approved symbol")
    rows = sorted(set(approved_rows) | set(other_rows), key=lambda r: (r[0].upper(), r[1]))
    return rows, newest


def write_table(rows: list[tuple[str, str, str]], date: str, target: Path) -> None:
    """The table in MTB's format: a date line, then symbol, approved_symbol, chromosome."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# date: {date}\n")
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("symbol", "approved_symbol", "chromosome"))
        writer.writerows(rows)
    partial.replace(target)  # readers never see half a table


def refresh(source: Path, target: Path) -> Refreshed:
    rows, date = read_complete_set(source)
    write_table(rows, date or "unknown", target)
    return Refreshed(approved=sum(1 for s, a, _c in rows if s == a), rows=len(rows), date=date)
