"""HGNC gene symbols: approved symbols, and the aliases or previous symbols users type.

Symbols HGNC approved after the shipped table are added by an administrator
(GeneSymbol rows, /admin/genes) and count as approved.

The table (mtb/data/hgnc_symbols.tsv: symbol, approved_symbol, chromosome) is read
once per process and kept in memory (about 100,000 rows, a few MB).
"""

from __future__ import annotations

import csv
import enum
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from mtb.audit import services as audit
from mtb.cases.models import GeneSymbol
from mtb.errors import InvalidInput
from mtb.extensions import db

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
    added = _added_symbol(key)
    if added is not None:
        return GeneCheck(typed, GeneStatus.APPROVED, (added,))
    return GeneCheck(typed, GeneStatus.UNKNOWN)


def _added_symbol(key: str) -> str | None:
    """Symbols approved after the shipped table, added by an administrator (few rows)."""
    return db.session.scalar(sa.select(GeneSymbol.symbol).where(sa.func.upper(GeneSymbol.symbol) == key))


def chromosome_of(symbol: str) -> str | None:
    return _table().chromosome.get(symbol) or None


def add_symbol(symbol: str, chromosome: str | None, note: str | None, user) -> GeneSymbol:
    """An administrator adds a newly approved HGNC symbol; raises InvalidInput("symbol", ...)."""
    symbol = (symbol or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9@\-.]{0,39}", symbol):
        raise InvalidInput("symbol", _("Gene symbols are letters, digits and - (up to 40 characters)."))
    found = check_symbol(symbol)
    if found.status is GeneStatus.APPROVED:
        raise InvalidInput("symbol", _("%(symbol)s is already an approved symbol.", symbol=found.approved[0]))
    if found.status is GeneStatus.ALIAS:
        raise InvalidInput("symbol", _("%(symbol)s is an alias of %(genes)s: enter the approved symbol.",
                                       symbol=symbol, genes=", ".join(found.approved)))
    gene = GeneSymbol(symbol=symbol, chromosome=(chromosome or "").strip() or None,
                      note=(note or "").strip() or None, added_by_id=user.id)
    db.session.add(gene)
    db.session.flush()
    audit.record("gene.add", gene, user=user, details={"symbol": symbol})
    return gene


def added_symbols() -> list[GeneSymbol]:
    return list(db.session.scalars(sa.select(GeneSymbol).order_by(GeneSymbol.symbol)))
