"""The research export: a board's cases, decisions and follow-ups as CSV, coded values only.

One row per recommendation of a current validated decision and current follow-up milestone
(a recommendation without a follow-up yet has one row with the follow-up columns empty).
Only the patients who consented to the chosen research cohort are exported. The patient's
identity (and the free-text columns, which may name the patient) are added only when the
exporting administrator asks for it; the request, that choice and the number of rows are in
the audit trail.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator

import sqlalchemy as sa
from babel import numbers
from sqlalchemy.orm import aliased

from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.cases.models import Case
from mtb.decisions.models import Decision, DecisionStatus, Recommendation
from mtb.extensions import db
from mtb.outcomes.models import FollowUp
from mtb.outcomes.stats import local_day

COLUMNS = (
    "case_reference", "board", "icd10", "icdo3_morphology", "stage", "ecog", "prior_lines", "research_consent",
    "submitted_on", "decision_version", "decided_on", "published_on", "recommendation_id", "recommendation_kind",
    "drug", "evidence_scheme", "evidence_level", "access_route", "trial_id", "follow_up_months", "follow_up_version",
    "implemented", "treatment_drug", "started_on", "line", "treatment_access", "best_response", "response_on",
    "stopped_on", "stop_reason", "serious_toxicity", "not_implemented_reason", "reason_other",
)
IDENTITY = ("patient_record_number", "patient_name", "patient_sex", "patient_birth_date")
#: Words typed by the clinician (they may name the patient): exported only with the identity.
FREE_TEXT = ("stop_reason", "reason_other")
_KEPT = [i for i, name in enumerate(COLUMNS) if name not in FREE_TEXT]
#: A cell starting with one of these is read as a formula by spreadsheets.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500
logger = logging.getLogger(__name__)
#: The UTF-8 byte-order mark: without it Excel reads the file as Windows-1252 ("ChloÃ©").
BOM = "\ufeff"


def safe(value) -> str:
    """The cell as text; one a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "value") and not isinstance(value, (int, float)):
        value = value.value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(_FORMULA) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _line(values, separator: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerow([safe(v) for v in values])
    return buffer.getvalue()


def usual_separator(locale) -> str:
    """The separator Excel expects in this language: ";" where the decimal sign is a comma."""
    return ";" if numbers.get_decimal_symbol(locale or "en") == "," else ","


def consented(consent: list | None, cohort: str) -> bool:
    """Whether a case's research consent names ``cohort`` (in upper or lower case)."""
    wanted = cohort.casefold()
    return any(str(name).casefold() == wanted for name in consent or [])


def _query(board_id: int, start, end):
    current = aliased(FollowUp)
    return (
        sa.select(Case, Decision, Recommendation, current)
        .join(Decision, Decision.case_id == Case.id)
        .join(Recommendation, Recommendation.decision_id == Decision.id)
        .outerjoin(current, sa.and_(current.recommendation_id == Recommendation.id, current.is_current.is_(True)))
        # Published decisions only, as the dashboards count them: one validated in a meeting
        # whose minutes are not signed yet is not the board's word.
        .where(Decision.board_id == board_id, Decision.status == DecisionStatus.VALIDATED,
               Decision.published_at.is_not(None), Decision.decided_at >= start, Decision.decided_at < end)
    ), current


def count(board_id: int, start, end, *, cohort: str) -> int:
    """How many rows ``rows`` writes (for the audit trail): one statement, a line per case."""
    query, _current = _query(board_id, start, end)
    per_case = query.with_only_columns(Case.id.label("case_id"), sa.func.count().label("number")).group_by(
        Case.id).subquery()
    # The consent (JSON, which PostgreSQL cannot group by) is read beside each case's count.
    counted = sa.select(Case.research_consent, per_case.c.number).join(per_case, per_case.c.case_id == Case.id)
    return sum(number for consent, number in db.session.execute(counted) if consented(consent, cohort))


def rows(board_id: int, start, end, *, cohort: str, identity: bool = False, separator: str = ",") -> Iterator[str]:
    """The CSV, line by line (streamed in batches: a board's years of cases never sit in memory).
    Only the patients who consented to ``cohort``; the free-text columns only with the identity.
    The first line starts with the byte-order mark (``BOM``); columns are separated by
    ``separator`` ("," or ";").

    It takes the board's id, not the board, and reads what it needs as it runs: a streamed
    response runs it after the request committed (expiring its objects) and removed its session.
    """
    header = COLUMNS if identity else tuple(COLUMNS[i] for i in _KEPT)
    yield BOM + _line(header + (IDENTITY if identity else ()), separator)
    slug, timezone = db.session.execute(sa.select(Board.slug, Board.timezone).where(Board.id == board_id)).one()
    query, current = _query(board_id, start, end)
    day = local_day(timezone)  # the board's days, as the dashboards count them
    query = (query.order_by(Decision.decided_at, Case.id, Recommendation.position, current.milestone_months)
             .execution_options(yield_per=_BATCH))
    for case, decision, recommendation, follow_up in db.session.execute(query):
        if not consented(case.research_consent, cohort):
            continue
        values = [
            case.reference, slug, case.icd10_code, case.icdo3_morphology, case.stage, case.ecog,
            case.prior_lines, ";".join(case.research_consent or []), day(case.submitted_at),
            decision.version, day(decision.decided_at), day(decision.published_at),
            recommendation.id, recommendation.kind, recommendation.drug, recommendation.evidence_scheme,
            recommendation.evidence_level, recommendation.access_route, recommendation.trial_id,
        ]
        if follow_up is None:
            values += [None] * 14
        else:
            values += [follow_up.milestone_months, follow_up.version, follow_up.implemented, follow_up.drug,
                       follow_up.started_on, follow_up.line, follow_up.access, follow_up.best_response,
                       follow_up.response_on, follow_up.stopped_on, follow_up.stop_reason, follow_up.serious_toxicity,
                       follow_up.reason, follow_up.reason_other]
        if identity:
            values += [case.patient_record_number, case.patient_name, case.patient_sex, case.patient_birth_date]
        else:
            values = [values[i] for i in _KEPT]
        yield _line(values, separator)


def streamed(board_id: int, start, end, *, cohort: str, identity: bool, separator: str, user_id: int,
             announced: int) -> Iterator[str]:
    """``rows``, for a response body. The request's ``outcomes.export`` event announced
    ``announced`` rows before any left; when the body ends otherwise (the download cut
    part-way, a failure, a decision published in between), an ``outcomes.export_sent`` event
    says how many rows really left and whether the file was complete.

    The request's transaction has ended when the body runs: that event commits on its own."""
    written, complete = -1, False  # the header is no row
    try:
        for line in rows(board_id, start, end, cohort=cohort, identity=identity, separator=separator):
            yield line
            written += 1  # asked for the next line: the server has written this one
        complete = True
    finally:
        if not complete or written != announced:
            _record_sent(board_id, user_id, max(written, 0), announced, complete)


def _record_sent(board_id: int, user_id: int, written: int, announced: int, complete: bool) -> None:
    try:
        db.session.rollback()  # a failure part-way leaves the read's transaction unusable
        audit.record("outcomes.export_sent", db.session.get(Board, board_id), user=db.session.get(User, user_id),
                     details={"rows": written, "announced": announced, "complete": complete})
        db.session.commit()
    except Exception:  # the export's request is in the trail already; the body's end must not hide why it stopped
        db.session.rollback()
        logger.exception("could not record what the export of board %s really sent", board_id)
