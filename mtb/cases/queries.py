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
from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.hgvs_grammar import ONE_LETTER
from mtb.cases.models import Biomarker, Case, CaseStatus
from mtb.db import escape_like
from mtb.extensions import db


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
    # Newest first: by submission, or creation for drafts.
    return query.order_by(sa.func.coalesce(Case.submitted_at, Case.created_at).desc(), Case.id.desc())


def list_cases(user, filters: CaseFilters, *, page: int = 1, board: Board | None = None, mine: bool = False):
    """One page of cases (a Flask-SQLAlchemy pagination) with their biomarkers."""
    query = filtered_cases(user, filters, board=board, mine=mine).options(selectinload(Case.biomarkers))
    return db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)


@dataclass(frozen=True)
class SearchTerm:
    """One word of a search: the text typed, and the forms it also stands for."""

    text: str
    #: "Val600Glu" for V600E / p.V600E: stored protein changes are three-letter.
    protein: str | None = None
    #: Approved symbols of an alias or previous symbol (HER2 -> ERBB2).
    genes: tuple[str, ...] = ()


_PROTEIN_SHORTHAND = re.compile(r"([A-Za-z])(\d+)([A-Za-z*]|fs|del|dup|ins[A-Za-z]*|delins[A-Za-z]*)?")
_GENE_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,39}")


def _three_letter(first: str, position: str, change: str) -> str | None:
    """"V", "600", "E" -> "Val600Glu"; a partial "V600" -> "Val600" (a prefix of what is stored)."""
    if first not in ONE_LETTER:
        return None
    if len(change) == 1:
        change = "Ter" if change in "*xX" else ONE_LETTER.get(change.upper())
        if change is None:
            return None
    else:
        change = change.lower()
    return ONE_LETTER[first] + position + change


def search_terms(q: str | None) -> list[SearchTerm]:
    """Split a search into words; each word must match the case somewhere.

    "V600E" and "p.V600E" also look for p.Val600Glu (the stored form); an alias such
    as HER2 also looks for its approved symbol (ERBB2).
    """
    words = [w for part in (q or "").split() for w in part.split("::") if w][:8]
    terms = []
    for word in words:
        protein = None
        bare = word[2:] if word.lower().startswith("p.") else word
        bare = bare.strip("()")
        shorthand = _PROTEIN_SHORTHAND.fullmatch(bare)
        if shorthand:
            first, position, change = shorthand.groups()
            protein = _three_letter(first.upper(), position, change or "")
        genes: tuple[str, ...] = ()
        if _GENE_LIKE.fullmatch(word):
            found = check_symbol(word)
            if found.status is GeneStatus.ALIAS:
                genes = found.approved
        terms.append(SearchTerm(word, protein if protein and protein != word else None, genes))
    return terms


def _matches(term: SearchTerm):
    """Where one search word may match: reference, patient name or record number,
    diagnosis, ICD-10 code, or a biomarker's genes, transcript and HGVS changes (case-insensitive,
    the same on SQLite and PostgreSQL)."""
    like = f"%{escape_like(term.text)}%"

    def contains(column, pattern=like):
        return column.ilike(pattern, escape="\\")

    finding = [contains(Biomarker.gene), contains(Biomarker.gene_3p), contains(Biomarker.hgvs_p),
               contains(Biomarker.hgvs_c), contains(Biomarker.transcript)]
    if term.protein:
        finding.append(contains(Biomarker.hgvs_p, f"%{escape_like(term.protein)}%"))
    if term.genes:
        finding += [Biomarker.gene.in_(term.genes), Biomarker.gene_3p.in_(term.genes)]
    biomarker = sa.select(Biomarker.id).where(Biomarker.case_id == Case.id, sa.or_(*finding))
    return sa.or_(
        contains(Case.reference), contains(Case.diagnosis), contains(Case.icd10_code),
        contains(Case.patient_name), contains(Case.patient_record_number),
        sa.exists(biomarker),
    )


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
