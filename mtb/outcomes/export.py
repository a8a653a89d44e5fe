"""The research export: a board's cases, decisions and follow-ups as CSV, coded values only.

One row per recommendation of a current validated decision and current follow-up milestone
(a recommendation without a follow-up yet has one row with the follow-up columns empty).
The patient's identity is added only when the exporting administrator asks for it; the
request and that choice are in the audit trail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from mtb.cases.models import Case
from mtb.decisions.models import Decision, DecisionStatus, Recommendation
from mtb.extensions import db
from mtb.outcomes.models import FollowUp

COLUMNS = (
    "case_reference", "board", "icd10", "icdo3_morphology", "stage", "ecog", "prior_lines", "research_consent",
    "submitted_on", "decision_version", "decided_on", "published_on", "recommendation_id", "recommendation_kind",
    "drug", "evidence_scheme", "evidence_level", "access_route", "trial_id", "follow_up_months", "follow_up_version",
    "implemented", "treatment_drug", "started_on", "line", "treatment_access", "best_response", "response_on",
    "stopped_on", "stop_reason", "serious_toxicity", "not_implemented_reason", "reason_other",
)
IDENTITY = ("patient_record_number", "patient_name", "patient_sex", "patient_birth_date")
#: A cell starting with one of these is read as a formula by spreadsheets.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500


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


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe(v) for v in values])
    return buffer.getvalue()


def rows(board, start, end, *, identity: bool = False, cohort: str | None = None) -> Iterator[str]:
    """The CSV, line by line (streamed in batches: a board's years of cases never sit in memory)."""
    yield _line(COLUMNS + (IDENTITY if identity else ()))
    current = aliased(FollowUp)
    query = (
        sa.select(Case, Decision, Recommendation, current)
        .join(Decision, Decision.case_id == Case.id)
        .join(Recommendation, Recommendation.decision_id == Decision.id)
        .outerjoin(current, sa.and_(current.recommendation_id == Recommendation.id, current.is_current.is_(True)))
        .where(Decision.board_id == board.id, Decision.status == DecisionStatus.VALIDATED,
               Decision.validated_at >= start, Decision.validated_at < end)
        .order_by(Decision.validated_at, Case.id, Recommendation.position, current.milestone_months)
        .execution_options(yield_per=_BATCH)
    )
    for case, decision, recommendation, follow_up in db.session.execute(query):
        if cohort and cohort not in (case.research_consent or []):
            continue
        values = [
            case.reference, board.slug, case.icd10_code, case.icdo3_morphology, case.stage, case.ecog,
            case.prior_lines, ";".join(case.research_consent or []), case.submitted_at and case.submitted_at.date(),
            decision.version, decision.validated_at.date(), decision.published_at and decision.published_at.date(),
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
        yield _line(values)
