"""Reading cases: who sees which (the rule is ``Case.visible_to``), lists with their
filters and search, and the meeting each listed case is headed for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from mtb import signals
from mtb.boards.models import Board
from mtb.cases import search
from mtb.cases.biomarker_validation import normalise_location
from mtb.cases.briefs import briefs
from mtb.cases.gene_checks import fusion_partners
from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.hgvs import normalise_c, normalise_p, split_reference
from mtb.cases.hgvs_grammar import ONE_LETTER
from mtb.cases.models import Biomarker, Case, CaseStatus
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.http import page_key, parse_page_key


def visible_cases(user) -> sa.Select:
    """Cases the user may see: their own, and every case of a board where they hold a role.

    Other people's drafts stay out of lists (a draft is its author's working copy).
    """
    return sa.select(Case).where(Case.visible_to(user))


# --- Lists and search --------------------------------------------------------

@dataclass
class CaseFilters:
    #: "" = all but withdrawn, "all", or a CaseStatus value.
    status: str = ""
    q: str = ""


def filtered_cases(user, filters: CaseFilters, *, board: Board | None = None, mine: bool = False) -> sa.Select:
    """The cases of a list, unordered: visible to the user, of the board or the user's own,
    with the status filter and every search word."""
    if board is not None and user.has_role(board.id):
        # The board's cases the user sees, said so the planner walks one board's index.
        query = sa.select(Case).where(Case.board_id == board.id,
                                      sa.or_(Case.status != CaseStatus.DRAFT, Case.submitter_id == user.id))
    else:
        query = visible_cases(user)
        if board is not None:
            query = query.where(Case.board_id == board.id)
    if mine:
        query = query.where(Case.submitter_id == user.id)
    if filters.status in {s.value for s in CaseStatus}:
        query = query.where(Case.status == CaseStatus(filters.status))
    elif filters.status != "all":  # the default hides withdrawn cases
        query = query.where(Case.status != CaseStatus.WITHDRAWN)
    for term in search_terms(filters.q):
        query = query.where(_matches(term))
    return query


#: Newest first: by submission, or creation for drafts (``Case.listed_at``), then id.
NEWEST_FIRST = (Case.listed_at.desc(), Case.id.desc())
#: Counts stop here ("more than 1,000 cases"): enough to say, and no scan of a large board.
COUNT_CAP = 1000
#: A search counts less far: a finding common in the hospital but rare on this board is
#: checked case by case, and counting a thousand of them would walk the whole board.
SEARCH_COUNT_CAP = 200


@dataclass
class CasePage:
    """One page of a list, paged by key (``after``/``before`` a case) rather than by
    offset, so the 900th page costs what the first does."""

    items: list[Case]
    #: The short labels of each listed case's findings, by case id (``briefs``).
    findings: dict[int, tuple[str, ...]]
    #: How many cases match, up to COUNT_CAP; ``capped`` when there are more.
    total: int
    capped: bool
    #: Keys of the pages around this one (None at either end).
    newer: str | None
    older: str | None
    first: bool


def list_cases(user, filters: CaseFilters, *, after: str | None = None, before: str | None = None,
               page: int = 1, board: Board | None = None, mine: bool = False) -> CasePage:
    """One page of cases with their findings' labels: the first, the one after or before a
    key, or (old links) the n-th by offset."""
    size = current_app.config["PAGE_SIZE"]
    query = filtered_cases(user, filters, board=board, mine=mine)
    position = sa.tuple_(Case.listed_at, Case.id)
    older_than, newer_than = parse_page_key(after), parse_page_key(before)
    if newer_than is not None:
        rows = list(db.session.scalars(query.where(position > newer_than)
                                       .order_by(Case.listed_at, Case.id).limit(size + 1)))
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        more_older = True
    else:
        listed = query.order_by(*NEWEST_FIRST)
        if older_than is not None:
            listed = listed.where(position < older_than)
        elif page > 1:
            listed = listed.offset((page - 1) * size)
        rows = list(db.session.scalars(listed.limit(size + 1)))
        more_older, rows = len(rows) > size, rows[:size]
        more_newer = older_than is not None or page > 1
    cap = SEARCH_COUNT_CAP if filters.q.strip() else COUNT_CAP
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Case.id).limit(cap + 1).subquery()))
    return CasePage(
        items=rows, findings={case_id: brief.labels for case_id, brief in briefs(rows).items()},
        total=min(total, cap), capped=total > cap,
        newer=page_key(rows[0].listed_at, rows[0].id) if rows and more_newer else None,
        older=page_key(rows[-1].listed_at, rows[-1].id) if rows and more_older else None,
        first=not more_newer,
    )


@dataclass(frozen=True)
class SearchTerm:
    """One word of a search: the text typed, and the forms it also stands for."""

    text: str
    #: Also looked for as text: "Val600" for V600 (a prefix of what is stored, which is
    #: three-letter), "Arg1443fs" for R1443fs (the index also writes each frameshift so).
    protein: str | None = None
    #: The approved gene symbol the word is, or those of an alias or previous symbol
    #: (HER2 -> ERBB2): looked up exactly in the biomarkers.
    genes: tuple[str, ...] = ()
    #: A whole protein change (V600E, E746_A750del, A775_G776insYVMA, R213*): the stored
    #: p. descriptions it is, looked up exactly.
    protein_changes: tuple[str, ...] = ()
    #: "exon 19" for exon 19, exon19 or ex19: a finding's exon or intron as it is stored.
    location: str | None = None
    #: A DNA change as the case form stores what was typed (c.2235_2249del for
    #: c.2235_2249del15 or c.2235_2249delGGAATTAAGAGAAGC), also looked for as text.
    dna: str | None = None


_GENE_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,39}")
#: How a protein change starts: a residue and its position (V600, p.(L858, Glu746).
_PROTEIN_LIKE = re.compile(r"(?:p\.)?[(\[]?[A-Za-z]{1,3}\d", re.I)
#: The start of a change in one-letter code, without what it becomes: V600, E746_A750,
#: A775_G776ins.
_PROTEIN_PART = re.compile(r"([A-Z])(\d+)(?:_([A-Z])(\d+))?(fs|delins|del|dup|ins)?", re.I)
#: A change to X, which reports write for a stop (R213X) or for any residue (G719X).
_TO_X = re.compile(r"([A-Z]\d+)X", re.I)
#: A stored frameshift: its first residue, the new one if given, then "fs" (Arg1443GlyfsTer12).
_FRAMESHIFT = re.compile(r"([A-Z][a-z]{2}\d+)([A-Z][a-z]{2})?fs")


def _protein_part(bare: str) -> str | None:
    """"V600" -> "Val600", "E746_A750" -> "Glu746_Ala750": a prefix of what is stored."""
    part = _PROTEIN_PART.fullmatch(bare)
    if not part:
        return None
    first, position, last, end, change = part.groups()
    if first.upper() not in ONE_LETTER or last and last.upper() not in ONE_LETTER:
        return None
    text = ONE_LETTER[first.upper()] + position + (f"_{ONE_LETTER[last.upper()]}{end}" if last else "")
    return text + (change or "").lower()


def _protein_forms(word: str) -> tuple[str | None, tuple[str, ...]]:
    """A protein change as it is stored: (a text the stored change contains, the stored
    changes it is exactly); a whole change is read as the case form reads it
    (``normalise_p``: E746_A750del -> p.Glu746_Ala750del, R213* -> p.Arg213Ter)."""
    if not _PROTEIN_LIKE.match(word):
        return None, ()
    bare = re.sub(r"^p\.", "", word, flags=re.I).strip("()")
    if to_x := _TO_X.fullmatch(bare):
        # X is a stop in some reports and any residue in others: the position finds both.
        return _protein_part(to_x[1]), ()
    try:
        stored = normalise_p(word).value
    except InvalidInput:
        return _protein_part(bare), ()
    change = stored[2:].strip("()")
    if frameshift := _FRAMESHIFT.match(change):
        # A frameshift written short (R1443fs for p.Arg1443GlyfsTer12) is any frameshift
        # from that residue: the index writes each one short too.
        return (change if frameshift[2] else frameshift[1] + "fs"), ()
    return change, (f"p.{change}", f"p.({change})")


#: A case reference as the app writes it (THO-2026-0042): looked up exactly.
_REFERENCE = re.compile(r"[A-Za-z]{2,8}-\d{4}-\d{4,}")
#: Two halves joined by - or /: a fusion when ``fusion_partners`` finds two approved symbols.
_FUSION_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9-]*[-/][A-Za-z0-9-]+")
#: An exon or intron as reports write it, the number maybe a word apart (exon 19, ex19, IVS13).
_LOCATION_WORD = re.compile(r"(?:exons?|introns?|ex|ivs)\.?", re.I)
_LOCATION = re.compile(r"(?:exons?|introns?|ex|ivs)\.?\s?\d{1,3}(?:[-_]\d{1,3})?", re.I)


def _partners_or_word(word: str) -> list[str]:
    """["EML4", "ALK"] for EML4-ALK or EML4/ALK, else [word]."""
    if _FUSION_LIKE.fullmatch(word) and not _REFERENCE.fullmatch(word):
        partners = fusion_partners(word)
        if partners:
            return list(partners)
    return [word]


def _prefix_and_change(word: str) -> list[str]:
    """["BRAF", "p.V600E"] for BRAF:p.V600E, ["NP_004324.2", "p.V600E"] for NP_004324.2:p.V600E
    (a gene or reference before a change, as the case form reads it), else [word]."""
    prefix, colon, rest = word.partition(":")
    if not colon or not rest or rest.startswith(":"):
        return [word]
    try:  # symbols are capitals (braf:p.V600E is typed in a search box, not copied from a report)
        reference, gene, change = split_reference(f"{prefix.upper()}:{rest}")
    except InvalidInput:
        return [word]
    return [part for part in (reference, gene, change) if part] if reference or gene else [word]


def _with_locations(pieces: list[str]) -> list[str]:
    """"exon", "19" -> "exon 19": one word, found as the finding's exon (a bare 19 is no exon)."""
    joined: list[str] = []
    for piece in pieces:
        if joined and _LOCATION_WORD.fullmatch(joined[-1]) and _LOCATION.fullmatch(f"{joined[-1]} {piece}"):
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
    return joined


def _location(word: str) -> str | None:
    """"exon 19" as stored for ex19, Exon 19 (``normalise_location``), or None."""
    if not _LOCATION.fullmatch(word):
        return None
    try:
        return normalise_location(word)
    except InvalidInput:
        return None


def search_terms(q: str | None) -> list[SearchTerm]:
    """Split a search into words; each word must match the case somewhere.

    A protein change is also looked for as stored: "V600E", "p.V600E", "E746_A750del",
    "R213*" are p.Val600Glu, p.Glu746_Ala750del, p.Arg213Ter, and "R1443fs" any frameshift
    from Arg1443; a gene or reference before it is a word of its own (BRAF:p.V600E is BRAF
    and p.V600E). "exon 19" is one word, the finding's exon. An alias such as HER2 also
    looks for its approved symbol (ERBB2); a fusion is its two partners, written EML4::ALK,
    or EML4-ALK and EML4/ALK as the case form reads them (``fusion_partners``: NKX2-1 stays
    one gene).
    """
    pieces = [piece for part in (q or "").split() for piece in part.split("::") if piece][:8]
    words = [word for piece in _with_locations(pieces) for part in _prefix_and_change(piece)
             for word in _partners_or_word(part)][:8]
    terms = []
    for word in words:
        location = _location(word)
        if location:
            terms.append(SearchTerm(word, location=location))
            continue
        protein, changes = _protein_forms(word)
        genes: tuple[str, ...] = ()
        if _GENE_LIKE.fullmatch(word):
            found = check_symbol(word)
            if found.status in (GeneStatus.APPROVED, GeneStatus.ALIAS):
                genes = found.approved
        terms.append(SearchTerm(word, protein if protein != word else None, genes, changes, dna=_dna_form(word)))
    return terms


_DNA_LIKE = re.compile(r"(?:[A-Z]{2}_\d+(?:\.\d+)?:)?[cgn]\.\S+", re.I)


def _dna_form(word: str) -> str | None:
    """The stored form of a DNA change typed as reports write it, when it differs (the
    form drops a deletion's length or bases: c.5946delT is stored c.5946del)."""
    if not _DNA_LIKE.fullmatch(word):
        return None
    try:
        stored = normalise_c(word).value
    except InvalidInput:
        return None
    return stored if stored.lower() != word.lower() else None


def _matches(term: SearchTerm):
    """Where one search word may match: reference, patient name or record number,
    diagnosis, ICD-10 code, or a biomarker's genes, transcript, HGVS changes, protein
    reference, exon and the words of its kind ("amplification", "fusion":
    ``search.FINDING_WORDS``) (contains, in any case, the same on SQLite and PostgreSQL),
    through the search index.

    Exact paths first: a whole reference is looked up by its unique index; an approved
    gene symbol (or an alias's), or a whole protein change, by the biomarkers' gene and
    hgvs_p indexes, and in the case's own words (a surname may also be a symbol)."""
    if _REFERENCE.fullmatch(term.text):
        return Case.reference == term.text.upper()
    connection = db.session.connection()
    if term.location:
        # "exon 1" is not exon 10: the index ends each finding's exon with a new line.
        whole = [f"{term.location}\n"] + ([] if "-" in term.location else [f"{term.location}-"])
        about = list(dict.fromkeys([term.text, term.location]))
        return search.containing(connection, about, findings=False, in_findings=whole)
    if term.genes or term.protein_changes:
        exact = ([(Biomarker.gene, term.genes), (Biomarker.gene_3p, term.genes)] if term.genes
                 else [(Biomarker.hgvs_p, term.protein_changes)])
        # A word the index writes for a kind of finding (PD-L1, HRD, MSS) is also in the
        # findings' words; any other symbol would match changes there (MET in p.Met918Thr).
        in_findings = term.text.upper() in search.FINDING_WORDS
        return sa.or_(_carrying(exact), search.containing(connection, [term.text], findings=in_findings))
    texts = [term.text] + ([term.protein] if term.protein else []) + ([term.dna] if term.dna else [])
    return search.containing(connection, texts)


#: A finding at least this many biomarkers carry is "common" (KRAS, p.Val600Glu).
COMMON_FINDING = 2000


def _carrying(exact: list[tuple[Any, tuple[str, ...]]]) -> sa.ColumnElement[bool]:
    """Cases with a biomarker whose column holds one of the values, for any (column,
    values) pair of ``exact`` (indexed columns).

    A rare finding is read from its index (the few cases, then sorted); a common one is
    checked case by case as the list is walked newest first, which stops after a page,
    where reading ten thousand carriers to keep 25 would not. Counting each column's
    index alone decides (an index-only read; an OR of two columns would read the rows)."""
    finding = sa.or_(*(column.in_(values) for column, values in exact))
    carriers = db.session.scalar(sa.select(sum(
        sa.select(sa.func.count()).select_from(
            sa.select(column).where(column.in_(values)).limit(COMMON_FINDING).subquery()).scalar_subquery()
        for column, values in exact)))
    if carriers >= COMMON_FINDING:
        # case_id, not id: the probe is then answered from an index led by case_id.
        probe = sa.select(Biomarker.case_id).where(Biomarker.case_id == Case.id, finding)
        if db.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL would turn the EXISTS into a hash of every carrier (10,000 rows read
            # for a page of 25: it plans for the whole list, not for the LIMIT); an OFFSET
            # keeps it a probe per case walked (benchmarks/README.md).
            probe = probe.offset(0)
        return probe.exists()
    return Case.id.in_(sa.select(Biomarker.case_id).where(finding))


# --- Where listed cases are headed --------------------------------------------

@dataclass(frozen=True)
class NextMeeting:
    meeting: Any
    #: True while the case waits in the pool: the meeting is only proposed.
    proposed: bool


def next_meetings(cases: list[Case], now: datetime) -> dict[int, NextMeeting]:
    """The upcoming meeting of each case, by case id: the one it is on, or for a case in
    the pool the one it is proposed for.

    Meetings live in a part above this one: it answers ``upcoming_meetings_wanted``
    with ``{case_id: (meeting, proposed)}``; without a receiver no case has one.
    """
    if not cases:
        return {}
    found: dict[int, NextMeeting] = {}
    for _receiver, answer in signals.upcoming_meetings_wanted.send(None, cases=cases, now=now):
        for case_id, (meeting, proposed) in (answer or {}).items():
            if meeting is not None:
                found[case_id] = NextMeeting(meeting, proposed)
    return found


# --- The user's own cases (home page) ---------------------------------------------

def _own(user) -> sa.Select:
    return sa.select(Case).where(Case.submitter_id == user.id).options(selectinload(Case.biomarkers))


def my_drafts(user, limit: int = 10) -> list[Case]:
    """The user's drafts, last changed first."""
    return list(db.session.scalars(
        _own(user).where(Case.status == CaseStatus.DRAFT).order_by(Case.updated_at.desc()).limit(limit)
    ))


def my_recent_cases(user, limit: int = 10) -> list[Case]:
    """The user's submitted cases, last changed first (where each one stands)."""
    return list(db.session.scalars(
        _own(user).where(Case.status != CaseStatus.DRAFT).order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)
    ))
