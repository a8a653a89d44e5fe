"""Reading the stored documents: a meeting's minutes versions and letters, the published
records of the user's boards, and the audited downloads."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload, undefer

from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.cases.models import Case
from mtb.decisions.models import Decision, DecisionStatus, Recommendation
from mtb.errors import NotAllowed, NotFound
from mtb.extensions import db
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
    audit.record_read("minutes.download", version, board_id=version.board_id, user=user,
                      details={"meeting_id": version.meeting_id, "version": version.number, "pdf_sha256": version.pdf_sha256})
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


@dataclass
class PublishedPage:
    """One page of the decisions list: signed meetings with their minutes versions, letters
    and the decisions in force, each meeting's decisions in agenda order."""

    pagination: object
    versions: dict[int, list[MinutesVersion]]
    letters: dict[int, list[LetterLine]]
    decisions: dict[int, list[Decision]]
    #: The letter of each decision shown, by decision id.
    letter_ids: dict[int, int]


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


#: Meetings per page of the decisions list, each with all its decisions (a page of 25
#: meetings listed a thousand decisions and their letters; 40 a meeting is common).
MEETINGS_PER_PAGE = 3


def published_page(user, board=None, page: int = 1, per_page: int = MEETINGS_PER_PAGE,
                   query: str = "") -> PublishedPage:
    """Signed meetings of the user's boards, newest first, with their minutes versions,
    letters and current decisions; with ``query``, only the meetings (and decisions) that
    match it. Decisions are the ones ``user`` may read (``Decision.can_view``)."""
    board_ids = user.board_ids()
    if board is not None:
        board_ids = board_ids & {board.id}
    query = " ".join((query or "").split())[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    current = sa.and_(Decision.status == DecisionStatus.VALIDATED, Decision.published_at.is_not(None))
    meetings = (
        sa.select(Meeting)
        .where(Meeting.board_id.in_(board_ids) if board_ids else sa.false(),
               sa.exists().where(MinutesVersion.meeting_id == Meeting.id))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    if query:
        meetings = meetings.where(sa.exists().where(Decision.meeting_id == Meeting.id, current,
                                                    Decision.id.in_(_matching(query))))
    pagination = db.paginate(meetings, page=page, per_page=per_page, error_out=False)
    ids = [m.id for m in pagination.items]
    versions: dict[int, list[MinutesVersion]] = {i: [] for i in ids}
    letters: dict[int, list[LetterLine]] = {i: [] for i in ids}
    decisions: dict[int, list[Decision]] = {i: [] for i in ids}
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
        shown = (
            sa.select(Decision).join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .where(Decision.meeting_id.in_(ids), current)
            .options(selectinload(Decision.recommendations), selectinload(Decision.case).lazyload(Case.submitter),
                     lazyload(Decision.letter))
            .order_by(AgendaItem.position, Decision.id)
        )
        if query:
            shown = shown.where(Decision.id.in_(_matching(query)))
        for decision in db.session.scalars(shown):
            if decision.can_view(user):
                decisions[decision.meeting_id].append(decision)
    return PublishedPage(pagination, versions, letters, decisions, letter_ids)


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
