"""HGNC gene symbols: approved symbols, and the aliases or previous symbols users type.

The table (symbol, approved_symbol, chromosome) ships as mtb/data/hgnc_symbols.tsv (HGNC,
2022-04-04). ``flask --app mtb genes refresh FILE`` writes a current one from HGNC's
complete set download into the instance folder (``HGNC_TABLE`` in the config names
another place); the newest table found is read once per process and kept in memory
(about 100,000 rows, a few MB).

Symbols HGNC approved after the table are added by an administrator (GeneSymbol rows,
/admin/genes) and count as approved, also a renamed symbol that the old table still
lists as an alias (GBA1, which replaced GBA: GBA then reads as an alias of GBA1).
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context

from mtb.audit import services as audit
from mtb.cases.models import GeneSymbol
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.i18n import gettext as _

SHIPPED_TABLE = Path(__file__).resolve().parent.parent / "data" / "hgnc_symbols.tsv"
#: Kept for callers that name the shipped file.
HGNC_TABLE = SHIPPED_TABLE
#: The file name the refresh command writes in the instance folder.
REFRESHED_NAME = "hgnc_symbols.tsv"
_DATE_LINE = re.compile(r"#\s*date:\s*(\d{4}-\d{2}-\d{2})")


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
    date: str  # the HGNC data's date, YYYY-MM-DD


def table_path() -> Path:
    """The table in use: the configured one, else a refreshed one in the instance folder,
    else the shipped one."""
    if has_app_context():
        configured = current_app.config.get("HGNC_TABLE")
        if configured:
            return Path(configured)
        refreshed = Path(current_app.instance_path) / REFRESHED_NAME
        if refreshed.exists():
            return refreshed
    return SHIPPED_TABLE


@functools.cache
def _load(path: Path) -> _Table:
    approved: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    chromosome: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        first = handle.readline()
        dated = _DATE_LINE.match(first)
        lines = handle if dated else io.StringIO(first + handle.read())
        for row in csv.DictReader(lines, delimiter="\t"):
            symbol, target = (row.get("symbol") or "").strip(), (row.get("approved_symbol") or "").strip()
            if not symbol or not target:
                continue
            if symbol == target:
                approved[symbol.upper()] = symbol
                chromosome[symbol] = row.get("chromosome") or ""
            else:
                targets = aliases.setdefault(symbol.upper(), [])
                if target not in targets:
                    targets.append(target)
    return _Table(approved, {k: tuple(sorted(v)) for k, v in aliases.items()}, chromosome,
                  dated[1] if dated else "2022-04-04")


def _table() -> _Table:
    return _load(table_path())


def table_date() -> str:
    """The date of the HGNC data the symbols are checked against."""
    return _table().date


#: Dashes a PDF prints in NKX2-1 or H3-3A (NFKC keeps them): the hyphen-minus HGNC writes.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-"})


def clean_symbol(text: str | None) -> str:
    """A symbol as the user sees it, without what copying from a PDF adds unseen: full-width
    letters (NFKC), zero-width spaces, soft hyphens and other format characters, typographic
    dashes, surrounding blanks. "EGFR\u200b" and "ＥＧＦＲ" look like EGFR and are EGFR."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def check_symbol(symbol: str) -> GeneCheck:
    """Classify a typed gene symbol (case-insensitive, cleaned by ``clean_symbol``). A
    symbol an administrator added wins over the table (a renamed symbol the table lists as
    an alias), then an approved symbol of the table wins over an alias of another gene."""
    typed = clean_symbol(symbol)
    key = typed.upper()
    if not key:
        return GeneCheck(typed, GeneStatus.UNKNOWN)
    added, replaced_by = _added(key)
    if added is not None:
        return GeneCheck(typed, GeneStatus.APPROVED, (added,))
    if replaced_by is not None:
        return GeneCheck(typed, GeneStatus.ALIAS, (replaced_by,))
    table = _table()
    if key in table.approved:
        return GeneCheck(typed, GeneStatus.APPROVED, (table.approved[key],))
    if key in table.aliases:
        return GeneCheck(typed, GeneStatus.ALIAS, table.aliases[key])
    return GeneCheck(typed, GeneStatus.UNKNOWN)


def _added(key: str) -> tuple[str | None, str | None]:
    """(the added symbol spelled ``key``, the added symbol that replaced ``key``): few rows."""
    if not has_app_context():
        return None, None
    rows = db.session.execute(sa.select(GeneSymbol.symbol, GeneSymbol.previous_symbol).where(sa.or_(
        sa.func.upper(GeneSymbol.symbol) == key, sa.func.upper(GeneSymbol.previous_symbol) == key))).all()
    added = next((s for s, _previous in rows if s.upper() == key), None)
    replaced_by = next((s for s, previous in rows if previous and previous.upper() == key), None)
    return added, replaced_by


def chromosome_of(symbol: str) -> str | None:
    table = _table()
    found = table.chromosome.get(symbol)
    if found:
        return found
    if has_app_context():
        return db.session.scalar(sa.select(GeneSymbol.chromosome).where(GeneSymbol.symbol == symbol)) or None
    return None


def add_symbol(symbol: str, chromosome: str | None, note: str | None, user, replaces: str | None = None) -> GeneSymbol:
    """An administrator adds a newly approved HGNC symbol, or a renamed one with the
    symbol it ``replaces``; raises InvalidInput("symbol" or "replaces", ...)."""
    symbol = clean_symbol(symbol)
    replaces = clean_symbol(replaces) or None
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9@\-.]{0,39}", symbol):
        raise InvalidInput("symbol", _("Gene symbols are letters, digits and - (up to 40 characters)."))
    found = check_symbol(symbol)
    previous = None
    if replaces is not None:
        old = check_symbol(replaces)
        if old.status is not GeneStatus.APPROVED:
            raise InvalidInput("replaces", _("%(symbol)s is not an approved symbol of the table; give the symbol HGNC "
                                             "replaced, e.g. GBA for GBA1.", symbol=replaces))
        previous = old.approved[0]
    if found.status is GeneStatus.APPROVED:
        raise InvalidInput("symbol", _("%(symbol)s is already an approved symbol.", symbol=found.approved[0]))
    if found.status is GeneStatus.ALIAS and (previous is None or previous not in found.approved):
        raise InvalidInput("symbol", _("%(symbol)s is an alias of %(genes)s: enter the approved symbol. If HGNC has "
                                       "renamed %(first)s to %(symbol)s, give %(first)s under “Replaces”.",
                                       symbol=symbol, genes=", ".join(found.approved), first=found.approved[0]))
    gene = GeneSymbol(symbol=symbol, previous_symbol=previous, chromosome=(chromosome or "").strip() or None,
                      note=(note or "").strip() or None, added_by_id=user.id)
    db.session.add(gene)
    db.session.flush()
    audit.record("gene.add", gene, user=user, details={"symbol": symbol, "replaces": previous})
    return gene


def added_symbols() -> list[GeneSymbol]:
    return list(db.session.scalars(sa.select(GeneSymbol).order_by(GeneSymbol.symbol)))
