"""HGNC gene symbols: approved symbols, and the aliases or previous symbols users type.

The table (mtb/data/hgnc_symbols.tsv: symbol, approved_symbol, chromosome) is read
once per process and kept in memory (about 100,000 rows, a few MB).
"""

from __future__ import annotations

import csv
import enum
import functools
from dataclasses import dataclass, field
from pathlib import Path

HGNC_TABLE = Path(__file__).resolve().parent.parent / "data" / "hgnc_symbols.tsv"


class GeneStatus(enum.Enum):
    APPROVED = "approved"
    #: A previous symbol or an alias: ``approved`` lists the gene(s) it now stands for.
    ALIAS = "alias"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class GeneCheck:
    typed: str
    status: GeneStatus
    #: The approved symbol(s): one for an approved symbol, one or more for an alias.
    approved: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Table:
    approved: dict[str, str]  # upper-cased symbol -> approved spelling
    aliases: dict[str, tuple[str, ...]]  # upper-cased alias -> approved symbols
    chromosome: dict[str, str]


@functools.cache
def _table() -> _Table:
    approved: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    chromosome: dict[str, str] = {}
    with HGNC_TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            symbol, target = row["symbol"].strip(), row["approved_symbol"].strip()
            if not symbol or not target:
                continue
            if symbol == target:
                approved[symbol.upper()] = symbol
                chromosome[symbol] = row.get("chromosome") or ""
            else:
                targets = aliases.setdefault(symbol.upper(), [])
                if target not in targets:
                    targets.append(target)
    return _Table(approved, {k: tuple(sorted(v)) for k, v in aliases.items()}, chromosome)


def check_symbol(symbol: str) -> GeneCheck:
    """Classify a typed gene symbol (case-insensitive; an approved symbol always wins)."""
    typed = (symbol or "").strip()
    key = typed.upper()
    table = _table()
    if key in table.approved:
        return GeneCheck(typed, GeneStatus.APPROVED, (table.approved[key],))
    if key in table.aliases:
        return GeneCheck(typed, GeneStatus.ALIAS, table.aliases[key])
    return GeneCheck(typed, GeneStatus.UNKNOWN)


def chromosome_of(symbol: str) -> str | None:
    return _table().chromosome.get(symbol) or None
