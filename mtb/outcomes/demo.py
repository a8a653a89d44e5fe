"""Demo: a year of each board's history before the demo's current meetings (cases discussed
every other week, decided, and followed up at the milestones reached), so the dashboards
show real shapes; and the completeness requirements of the three boards.

The history is written as rows, like an import of the board's earlier records: its meetings
are signed but carry no minutes PDF. About one in seven milestones reached is left to record,
so the follow-up tasks show on the clinician's and the secretary's home pages.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from mtb.accounts.models import User
from mtb.boards.models import Board
from mtb.cases.models import (
    Biomarker,
    BiomarkerKind,
    Case,
    CaseEvent,
    CaseStatus,
    MolecularReport,
    Sex,
    SpecimenType,
    Urgency,
)
from mtb.cases.references import next_reference
from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.outcomes.models import FollowUp, NotImplementedReason, Response, TreatmentAccess

#: What each board asks a submission to carry.
REQUIREMENTS = {
    "thoracic": ["EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET", "RET", "NTRK", "PD-L1"],
    "dermatology": ["BRAF", "NRAS", "KIT"],
    "paediatric": ["germline"],
}
#: Per board: (diagnosis, ICD-10, gene, HGVS p., drug) of the history's cases.
PROFILES = {
    "thoracic": [("Lung adenocarcinoma, stage IV", "C34.1", "EGFR", "p.Leu858Arg", "Osimertinib"),
                 ("Lung adenocarcinoma, stage IV", "C34.3", "KRAS", "p.Gly12Cys", "Sotorasib"),
                 ("Lung adenocarcinoma, stage IV", "C34.1", "BRAF", "p.Val600Glu", "Dabrafenib + trametinib"),
                 ("Lung adenocarcinoma, stage IV", "C34.9", "MET", "p.Asp1010His", "Capmatinib")],
    "dermatology": [("Cutaneous melanoma, stage IV", "C43.5", "BRAF", "p.Val600Glu", "Encorafenib + binimetinib"),
                    ("Acral melanoma, stage IV", "C43.7", "KIT", "p.Leu576Pro", "Imatinib"),
                    ("Cutaneous melanoma, stage IIIC", "C43.6", "NRAS", "p.Gln61Arg", "Binimetinib")],
    "paediatric": [("Neuroblastoma, relapsed", "C74.9", "ALK", "p.Phe1174Leu", "Lorlatinib"),
                   ("Low-grade glioma, progressive", "C71.9", "BRAF", "p.Val600Glu", "Dabrafenib + trametinib"),
                   ("Infantile fibrosarcoma", "C49.9", "NTRK3", "p.?", "Larotrectinib")],
}
FIRST_NAMES = ("Anne", "Louis", "Claire", "Marc", "Julie", "Paul", "Sophie", "Hugo", "Emma", "Léo", "Alice", "Jules")
LAST_NAMES = ("Morel", "Fournier", "Girard", "Bonnet", "Dupuis", "Lambert", "Fontaine", "Rousseau", "Vincent",
              "Muller", "Faure", "Andre", "Mercier", "Blanc", "Guerin", "Boyer")
REASONS = ((NotImplementedReason.DETERIORATION, 26), (NotImplementedReason.REIMBURSEMENT_REFUSED, 12),
           (NotImplementedReason.NO_TRIAL_SLOT, 14), (NotImplementedReason.PATIENT_DECLINED, 8),
           (NotImplementedReason.OTHER_THERAPY, 16), (NotImplementedReason.DEATH, 9),
           (NotImplementedReason.PROGRESSION, 8), (NotImplementedReason.REIMBURSEMENT_PENDING, 4),
           (NotImplementedReason.LOST, 3))
RESPONSES = ((Response.CR, 4), (Response.PR, 30), (Response.SD, 33), (Response.PD, 25), (Response.NE, 8))
#: Weeks of history, counted back from this many days before today (the demo's own meetings are later).
WEEKS, LAST_DAYS_AGO = 52, 24


def _weighted(rng: random.Random, pairs):
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def seed() -> None:
    boards = {board.slug: board for board in db.session.scalars(sa.select(Board))}
    for slug, requirements in REQUIREMENTS.items():
        if slug in boards:
            boards[slug].completeness_requirements = list(requirements)
    clinician = db.session.scalar(sa.select(User).where(User.email == "clinician@example.org"))
    if clinician is None:
        return
    rng = random.Random(13)
    now = utcnow()
    for slug, profiles in PROFILES.items():
        if slug in boards:
            _history(boards[slug], profiles, clinician, rng, now)
    db.session.flush()


def _history(board: Board, profiles, clinician: User, rng: random.Random, now: datetime) -> None:
    last = (now - timedelta(days=LAST_DAYS_AGO)).date()
    # The board's own days and hours, counted from well before its cadence's first day
    # (the same weekday parity for a fortnightly board).
    zone = ZoneInfo(board.timezone)
    rule = rrulestr(board.cadence_rrule, dtstart=datetime.combine(board.cadence_anchor - timedelta(weeks=104), time()))
    for week in range(WEEKS, 0, -2):
        day = last - timedelta(weeks=week)
        local = rule.before(datetime.combine(day, time(23, 59)))
        if local is not None:
            starts = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        else:  # a rule without a weekly rhythm: the day itself
            starts = datetime.combine(day, time(13, 0))
        n_cases = rng.randint(2, 4)
        meeting = Meeting(board_id=board.id, starts_at=starts, occurrence_at=starts if local is not None else None,
                          duration_minutes=board.meeting_length_minutes,
                          cutoff_hours=board.cutoff_hours, location=board.location, status=MeetingStatus.SIGNED,
                          started_at=starts + timedelta(minutes=rng.randint(0, 8)),
                          closed_at=starts + timedelta(minutes=n_cases * rng.randint(8, 16) + 5))
        db.session.add(meeting)
        db.session.flush()
        for position in range(n_cases):
            _case(board, meeting, position, rng.choice(profiles), clinician, rng, now)


def _case(board: Board, meeting: Meeting, position: int, profile, clinician: User, rng: random.Random,
          now: datetime) -> None:
    diagnosis, icd10, gene, protein, drug = profile
    discussed = meeting.starts_at
    agenda = discussed - timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
    submitted = agenda - timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 9))
    reported = (submitted - timedelta(days=rng.choice((1, 2, 3, 5, 7, 9, 14, 21)))).date()
    record_number = f"IPP{rng.randint(1000000, 9999999)}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    rng.choice((Sex.FEMALE, Sex.MALE))  # drawn as before, so the rest of the history stays the same
    case = Case(
        reference=next_reference(board, discussed.year), board_id=board.id, submitter_id=clinician.id,
        status=CaseStatus.DECIDED, patient_record_number=record_number,
        # The first names alternate women's and men's: the sex agrees with the name.
        patient_name=f"{first} {last}", patient_sex=(Sex.FEMALE, Sex.MALE)[FIRST_NAMES.index(first) % 2],
        patient_birth_date=date(rng.randint(1945, 1985) if board.slug != "paediatric" else rng.randint(2010, 2022),
                                rng.randint(1, 12), rng.randint(1, 28)),
        diagnosis=diagnosis, icd10_code=icd10, stage="IV" if "stage IV" in diagnosis else None,
        ecog=rng.randint(0, 2), prior_lines=rng.randint(0, 3), urgency=Urgency.ROUTINE,
        clinical_question=f"{gene} {protein}: targeted therapy or a trial?",
        research_consent=rng.choice(([], ["MELBASE"] if board.slug == "dermatology" else ["Immunotarget"])),
        submitted_at=submitted, created_at=submitted - timedelta(days=1),
    )
    report = MolecularReport(position=0, assay="TSO500", lab="Molecular pathology", reported_on=reported,
                             specimen_type=SpecimenType.FFPE_TISSUE)
    case.reports.append(report)
    case.biomarkers.append(Biomarker(position=0, kind=BiomarkerKind.VARIANT, gene=gene, hgvs_p=protein,
                                     vaf=rng.randint(5, 45), report=report))
    for at, kind in ((case.created_at, "draft"), (submitted, "submitted"), (agenda, "scheduled"),
                     (discussed, "discussed")):
        case.events.append(CaseEvent(at=at, kind=kind, user_id=clinician.id))
    db.session.add(case)
    db.session.flush()
    item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position, minutes=board.minutes_per_case,
                      outcome=ItemOutcome.DISCUSSED, added_at=agenda)
    db.session.add(item)
    db.session.flush()
    validated = discussed + timedelta(days=rng.choice((0, 0, 0, 1, 2, 5)), hours=2)
    decision = Decision(agenda_item_id=item.id, meeting_id=meeting.id, case_id=case.id, board_id=board.id,
                        status=DecisionStatus.VALIDATED, summary=f"{gene} {protein}: the board recommends {drug}.",
                        quorum_met=True, created_at=discussed, validated_at=validated,
                        published_at=validated + timedelta(days=rng.choice((0, 1, 1, 2, 4))))
    trial = rng.random() < 0.3
    decision.recommendations.append(Recommendation(
        position=0, kind=RecommendationKind.CLINICAL_TRIAL if trial else RecommendationKind.TARGETED_THERAPY,
        drug=None if trial else drug, trial_id=f"NCT0{rng.randint(4000000, 6999999)}" if trial else None,
        evidence_scheme=None if trial else "escat", evidence_level=None if trial else rng.choice(("I-A", "II-B", "III-A"))))
    if rng.random() < 0.25:
        decision.recommendations.append(Recommendation(position=1, kind=RecommendationKind.GERMLINE_COUNSELLING))
    case.events.append(CaseEvent(at=validated, kind="decided", user_id=clinician.id))
    db.session.add(decision)
    db.session.flush()
    for recommendation in decision.recommendations:
        _follow(board, decision, recommendation, drug, rng, now)


def _follow(board: Board, decision: Decision, recommendation: Recommendation, drug: str, rng: random.Random,
            now: datetime) -> None:
    therapy = recommendation.kind in (RecommendationKind.TARGETED_THERAPY, RecommendationKind.CLINICAL_TRIAL)
    implemented = rng.random() < (0.3 if therapy else 0.7)
    reason = None if implemented else _weighted(rng, REASONS)
    started = (decision.published_at + timedelta(days=rng.randint(5, 40))).date() if implemented else None
    response = _weighted(rng, RESPONSES) if implemented and therapy else None
    for months in board.follow_up_months or []:
        due = decision.decided_at + relativedelta(months=months)
        if due > now or rng.random() < 0.14:
            continue
        fields = {"implemented": implemented, "reason": reason}
        if implemented:
            assessed = started + timedelta(days=min(60 * months // 3, 300))
            shown = response if assessed <= due.date() else None
            fields.update(drug=drug if therapy else None, started_on=started, line=rng.randint(1, 3) if therapy else None,
                          access=(TreatmentAccess.TRIAL if recommendation.kind is RecommendationKind.CLINICAL_TRIAL
                                  else rng.choice((TreatmentAccess.APPROVED, TreatmentAccess.OFF_LABEL,
                                                   TreatmentAccess.COMPASSIONATE))) if therapy else None,
                          best_response=shown, response_on=assessed if shown else None,
                          serious_toxicity=therapy and rng.random() < 0.12)
        db.session.add(FollowUp(recommendation_id=recommendation.id, decision_id=decision.id,
                                case_id=decision.case_id, board_id=board.id, milestone_months=months,
                                recorded_at=min(due + timedelta(days=rng.randint(0, 20)), now),
                                recorded_by_id=decision.case.submitter_id, **fields))
