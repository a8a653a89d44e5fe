"""Reading the stored documents: a meeting's minutes versions and letters, the published
records of the user's boards, and the audited downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload, undefer

from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.cases.models import Case
from mtb.db import escape_like
from mtb.decisions.models import Decision, DecisionStatus, Recommendation
from mtb.errors import NotAllowed, NotFound
from mtb.extensions import db
from mtb.http import page_key, parse_page_key
from mtb.meetings.models import AgendaItem, Meeting
from mtb.minutes.models import DecisionLetter, MinutesVersion


def minutes_versions(meeting: Meeting) -> list[MinutesVersion]:
    return list(db.session.scalars(
        sa.select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id).order_by(MinutesVersion.number.desc())
    ))


def letters_of(meeting: Meeting) -> list[DecisionLetter]:
    return list(db.session.scalars(
        sa.select(DecisionLetter).join(Decision, Decision.id == DecisionLetter.decision_id)
        .where(Decision.meeting_id == meeting.id)
        .options(selectinload(DecisionLetter.decision), selectinload(DecisionLetter.case))
        .order_by(DecisionLetter.case_id, DecisionLetter.id.desc())
    ))


def get_minutes_for_download(version_id: int, user) -> MinutesVersion:
    version = db.session.scalar(
        sa.select(MinutesVersion).where(MinutesVersion.id == version_id).options(undefer(MinutesVersion.pdf))
    )
    # Another board's minutes are a 404, like its decisions: a 403 would confirm they exist.
    if version is None or not version.meeting.can_view(user):
        raise NotFound(version_id)
    # The minutes name every case of the meeting: recorded by reference ("who saw this patient").
    cases = list(db.session.scalars(sa.select(Case.reference).join(AgendaItem, AgendaItem.case_id == Case.id)
                                    .where(AgendaItem.meeting_id == version.meeting_id).order_by(AgendaItem.position)))
    audit.record_read("minutes.download", version, board_id=version.board_id, user=user,
                      details={"meeting_id": version.meeting_id, "version": version.number,
                               "pdf_sha256": version.pdf_sha256, "cases": cases})
    return version


def get_letter_for_download(letter_id: int, user) -> DecisionLetter:
    letter = db.session.scalar(
        sa.select(DecisionLetter).where(DecisionLetter.id == letter_id).options(undefer(DecisionLetter.pdf))
    )
    # Someone who may not see the case gets a 404: a 403 would confirm the letter exists.
    if letter is None or not letter.case.can_view(user):
        raise NotFound(letter_id)
    if not letter.decision.can_view(user):
        raise NotAllowed()
    audit.record_read("letter.download", letter, board_id=letter.board_id, user=user,
                      details={"case": letter.case.reference, "version": letter.decision.version,
                               "pdf_sha256": letter.pdf_sha256})
    return letter


class DecisionLine(NamedTuple):
    """A decision the decisions page lists: its id, and the versions its kept row is printed
    under (``display.decision_rows``: the decision itself is read only for a row not kept)."""
    id: int
    row_version: int
    case_version: int


@dataclass
class PublishedPage:
    """One page of the decisions list: signed meetings with their minutes versions, letters
    and the decisions in force, each meeting's decisions in agenda order. Paged by key
    (``after``/``before`` a meeting), whole meetings up to about DECISIONS_PER_PAGE rows."""

    meetings: list[Meeting]
    versions: dict[int, list[MinutesVersion]]
    letters: dict[int, list[LetterLine]]
    decisions: dict[int, list[DecisionLine]]
    #: The letter of each decision shown, by decision id.
    letter_ids: dict[int, int]
    #: Keys of the pages around this one (None at either end); ``first``: no newer page.
    newer: str | None = None
    older: str | None = None
    first: bool = True


@dataclass(frozen=True)
class LetterLine:
    """A letter as the decisions page lists it (under each meeting's details)."""

    id: int
    reference: str
    version: int
    pdf_sha256: str
    is_current: bool


def _matching(query: str):
    """Decisions whose case (reference, diagnosis) or recommendations (drug, trial, test,
    targeted finding) contain ``query``, case-insensitively."""
    pattern = f"%{query.lower()}%"
    text = [sa.func.lower(column).like(pattern, escape="\\") for column in (
        Case.reference, Case.diagnosis, Recommendation.drug, Recommendation.trial_id, Recommendation.test_name,
        Recommendation.biomarker_label)]
    return (sa.select(Decision.id).join(Case, Case.id == Decision.case_id)
            .outerjoin(Recommendation, Recommendation.decision_id == Decision.id).where(sa.or_(*text)))


#: Rows a page of the decisions list aims at: whole meetings are added until they are
#: reached (a 40-case thoracic meeting alone fills a page; five paediatric meetings of
#: eight cases share one), so a page costs the same whatever the boards' sizes.
DECISIONS_PER_PAGE = 40
#: ... and never more meetings than this on one page.
MAX_MEETINGS_PER_PAGE = 8


def _chosen(rows, budget: int) -> list:
    """The first rows (meeting, decision count) whose decisions fit ``budget``; at least one."""
    chosen, total = [], 0
    for row in rows[:MAX_MEETINGS_PER_PAGE]:
        if chosen and total + row.shown > budget:
            break
        chosen.append(row)
        total += row.shown
    return chosen


def published_page(user, board=None, *, after: str | None = None, before: str | None = None,
                   query: str = "", budget: int = DECISIONS_PER_PAGE) -> PublishedPage:
    """Signed meetings of the user's boards, newest first, with their minutes versions,
    letters and current decisions; with ``query``, only the meetings (and decisions) that
    match it. Decisions are the ones ``user`` may read (``Decision.can_view``)."""
    board_ids = user.board_ids()
    if board is not None:
        board_ids = board_ids & {board.id}
    searched = escape_like(" ".join((query or "").split())[:100])
    current = sa.and_(Decision.status == DecisionStatus.VALIDATED, Decision.published_at.is_not(None))
    in_force = sa.select(sa.func.count()).where(Decision.meeting_id == Meeting.id, current)
    if searched:
        in_force = in_force.where(Decision.id.in_(_matching(searched)))
    candidates = (
        sa.select(Meeting.id, Meeting.starts_at, in_force.scalar_subquery().label("shown"))
        .where(Meeting.board_id.in_(board_ids) if board_ids else sa.false(),
               sa.exists().where(MinutesVersion.meeting_id == Meeting.id))
    )
    if searched:
        candidates = candidates.where(sa.exists().where(Decision.meeting_id == Meeting.id, current,
                                                        Decision.id.in_(_matching(searched))))
    position = sa.tuple_(Meeting.starts_at, Meeting.id)
    window = MAX_MEETINGS_PER_PAGE + 1
    older_than, newer_than = parse_page_key(after), parse_page_key(before)
    if newer_than is not None:
        rows = list(db.session.execute(candidates.where(position > newer_than)
                                       .order_by(Meeting.starts_at, Meeting.id).limit(window)))
        chosen = _chosen(rows, budget)
        more_newer = len(chosen) < len(rows)
        chosen.reverse()
        more_older = True
    else:
        if older_than is not None:
            candidates = candidates.where(position < older_than)
        rows = list(db.session.execute(candidates.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                                       .limit(window)))
        chosen = _chosen(rows, budget)
        more_older = len(chosen) < len(rows)
        more_newer = older_than is not None
    if not chosen and newer_than is not None:
        return published_page(user, board, query=query, budget=budget)  # a key past the newest: the first page
    by_id = {m.id: m for m in db.session.scalars(
        sa.select(Meeting).where(Meeting.id.in_([row.id for row in chosen])).options(joinedload(Meeting.board)))}
    shown_meetings = [by_id[row.id] for row in chosen]
    ids = [m.id for m in shown_meetings]
    versions: dict[int, list[MinutesVersion]] = {i: [] for i in ids}
    letters: dict[int, list[LetterLine]] = {i: [] for i in ids}
    decisions: dict[int, list[DecisionLine]] = {i: [] for i in ids}
    letter_ids: dict[int, int] = {}
    if ids:
        for v in db.session.scalars(sa.select(MinutesVersion).where(MinutesVersion.meeting_id.in_(ids))
                                    .options(selectinload(MinutesVersion.correction_of).selectinload(Decision.case),
                                             joinedload(MinutesVersion.signed_by).lazyload(User.roles))
                                    .order_by(MinutesVersion.number.desc())):
            versions[v.meeting_id].append(v)
        # The letters' list needs five columns, not a thousand accounts of letters, decisions and cases.
        for row in db.session.execute(
            sa.select(DecisionLetter.id, DecisionLetter.decision_id, DecisionLetter.pdf_sha256, Decision.meeting_id,
                      Decision.version,
                      Decision.status, Case.reference)
            .join(Decision, Decision.id == DecisionLetter.decision_id).join(Case, Case.id == DecisionLetter.case_id)
            .where(Decision.meeting_id.in_(ids))
            .order_by(DecisionLetter.case_id, DecisionLetter.id.desc())
        ):
            letters[row.meeting_id].append(LetterLine(row.id, row.reference, row.version, row.pdf_sha256,
                                                      row.status is not DecisionStatus.SUPERSEDED))
            letter_ids[row.decision_id] = row.id
        # Columns, not forty decisions and cases: their rows are kept (``display.decision_rows``).
        shown = (
            sa.select(Decision.id, Decision.row_version, Case.version, Decision.meeting_id)
            .join(Case, Case.id == Decision.case_id).join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .where(Decision.meeting_id.in_(ids), current, Decision.visible_to(user))
            .order_by(AgendaItem.position, Decision.id)
        )
        if searched:
            shown = shown.where(Decision.id.in_(_matching(searched)))
        for decision_id, row_version, case_version, meeting_id in db.session.execute(shown):
            decisions[meeting_id].append(DecisionLine(decision_id, row_version, case_version))
    return PublishedPage(
        shown_meetings, versions, letters, decisions, letter_ids,
        newer=page_key(shown_meetings[0].starts_at, shown_meetings[0].id) if shown_meetings and more_newer else None,
        older=page_key(shown_meetings[-1].starts_at, shown_meetings[-1].id) if shown_meetings and more_older else None,
        first=not more_newer,
    )


def letters_for_own_cases(user, exclude_board_ids: set[int], limit: int = 50) -> list[DecisionLetter]:
    """Letters on cases the user submitted to boards they are not part of."""
    query = (
        sa.select(DecisionLetter).join(Case, Case.id == DecisionLetter.case_id)
        .where(Case.submitter_id == user.id)
        .options(selectinload(DecisionLetter.decision).selectinload(Decision.meeting), selectinload(DecisionLetter.case))
        .order_by(DecisionLetter.created_at.desc(), DecisionLetter.id.desc()).limit(limit)
    )
    if exclude_board_ids:
        query = query.where(DecisionLetter.board_id.not_in(exclude_board_ids))
    return list(db.session.scalars(query))
