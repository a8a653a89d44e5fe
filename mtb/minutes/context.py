"""The plain context of a document: everything the minutes or a letter show, as JSON-able
data built from the models. Its canonical JSON is stored with the PDF and fingerprinted
(SHA-256 in the footer), so a stored version renders again from it alone."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from mtb.cases.biomarker_labels import KIND_LABELS as BIOMARKER_KIND_LABELS
from mtb.cases.biomarker_labels import number
from mtb.cases.models import Case
from mtb.decisions import queries as decisions
from mtb.decisions.models import Decision, RecommendationKind
from mtb.decisions.quorum import present_when_decided, quorum_for, quorum_when_decided
from mtb.extensions import db
from mtb.formatting import local_date, local_datetime, to_local
from mtb.i18n import gettext as _
from mtb.meetings.models import AgendaItem, Meeting
from mtb.minutes.models import MinutesVersion
from mtb.text import age_on, months_on

SEX_LABELS = {"female": "F", "male": "M", "other": "X", "unknown": "?"}


def dt(value: datetime | None, tz: str, fmt: str = "d MMM yyyy, HH:mm") -> str:
    """A UTC time in the board's zone, or "" when there is none."""
    return local_datetime(value, tz, fmt) if value else ""


def _patient(case: Case, identity: bool, on: date) -> dict:
    sex = case.patient_sex.value if case.patient_sex else "unknown"
    born = case.patient_birth_date
    # Months and days too: a child under two is "20 months" old (worded in the document's language).
    months = months_on(born, on) if born else None
    data = {"sex": SEX_LABELS.get(sex, "?"), "age": age_on(born, on), "age_months": months,
            "age_days": max((on - born).days, 0) if born else None}
    if identity:
        data.update(name=case.patient_name, record_number=case.patient_record_number,
                    birth_date=local_date(case.patient_birth_date, "d MMM yyyy"))
    return data


def hospital() -> dict:
    """The letterhead: the hospital as configured (``HOSPITAL_*``). In the context, so the
    fingerprint covers it and a stored version prints the letterhead it was signed with."""
    config = current_app.config
    address = [line.strip() for line in re.split(r"[;\n]", str(config.get("HOSPITAL_ADDRESS") or "")) if line.strip()]
    return {"name": str(config.get("HOSPITAL_NAME") or ""), "department": str(config.get("HOSPITAL_DEPARTMENT") or ""),
            "address": address, "contact": str(config.get("HOSPITAL_CONTACT") or "")}


def _biomarkers(case: Case) -> list[dict]:
    """Each finding as every page prints it (``Biomarker.full_label``) with what qualifies it
    (exon, origin, tier or class, VAF) and the report it comes from; a negative panel last."""
    numbers = {report.id: position for position, report in enumerate(case.reports, start=1)}
    rows = []
    for b in sorted(case.biomarkers, key=lambda b: (b.is_negative, b.position)):
        rows.append({
            "id": b.id,
            "kind": str(BIOMARKER_KIND_LABELS.get(b.kind, b.kind.value)),
            "label": b.full_label,
            "details": b.details,
            "note": (b.description or "") if not b.is_other else "",
            "negative": b.is_negative,
            "report": numbers.get(b.report_id, ""),
        })
    return rows


def _reports(case: Case) -> list[dict]:
    """The lab reports: specimen, tumour cell content, assay, lab, genome build."""
    return [{"number": position, "details": report.details, "tumour_content":
             number(Decimal(str(report.tumour_content))) if report.tumour_content is not None else "",
             "lab": report.lab or "", "reported_on": local_date(report.reported_on, "d MMM yyyy")
             if report.reported_on else ""}
            for position, report in enumerate(case.reports, start=1)]


def _recommendation(rec) -> dict:
    details = []
    if rec.kind is RecommendationKind.TARGETED_THERAPY:
        if rec.biomarker_label:
            details.append(_("targets %(biomarker)s", biomarker=rec.biomarker_label))
        if rec.access_route:
            details.append(_("access: %(route)s", route=rec.access_route.label))
    elif rec.kind is RecommendationKind.CLINICAL_TRIAL:
        if rec.trial_site:
            details.append(_("site: %(site)s", site=rec.trial_site))
    elif rec.kind is RecommendationKind.FURTHER_TESTING and rec.test_sample:
        details.append(_("on %(sample)s", sample=rec.test_sample))
    title = {
        RecommendationKind.TARGETED_THERAPY: rec.drug or "",
        RecommendationKind.CLINICAL_TRIAL: rec.trial_id or "",
        RecommendationKind.FURTHER_TESTING: rec.test_name or "",
    }.get(rec.kind, "")
    phase = rec.trial_phase_label or (_("phase %(phase)s", phase=rec.trial_phase) if rec.trial_phase else "")
    return {
        "kind": rec.kind.value,
        "kind_label": rec.kind.label,
        "title": title,
        "details": details,
        "escat_tier": rec.escat_tier or "",
        "oncokb_level": rec.oncokb_level or "",
        "evidence": rec.evidence_label or "",
        "trial_title": rec.trial_title or "",
        "trial_phase": str(phase),
        "registrations": [str(r.label) for r in rec.trial_registrations],
        "rationale": rec.rationale or "",
    }


def _decision(decision: Decision, tz: str) -> dict:
    return {
        "version": decision.version,
        "summary": decision.summary,
        "correction_reason": decision.correction_reason or "",
        "quorum_met": bool(decision.quorum_met),
        "quorum_missing": list(decision.quorum_missing or []),
        "validated_by": decision.validated_by.full_name if decision.validated_by else "",
        "validated_at": dt(decision.validated_at, tz),
        "recommendations": [_recommendation(r) for r in decision.recommendations],
    }


def minutes_context(meeting: Meeting, signer, signed_at: datetime) -> dict:
    """Everything the minutes show, as plain data (the fingerprint covers exactly this)."""
    board = meeting.board
    tz = board.timezone
    identity = bool(board.identity_in_minutes)
    rows = decisions.attendances(meeting)
    recusals = decisions.recusals_by_item(meeting)
    quorum = quorum_for(meeting, rows=rows, recused_ids=set())
    validated = {d.agenda_item_id: d for d in decisions.validated_of(meeting)}
    items = []
    meeting_day = to_local(meeting.starts_at, tz).date()
    agenda = db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.case).selectinload(Case.biomarkers),
                 selectinload(AgendaItem.case).selectinload(Case.reports)).order_by(AgendaItem.position)
    )
    for item in agenda:
        case = item.case
        decision = validated.get(item.id)
        items.append({
            "position": len(items) + 1,
            "reference": case.reference,
            "patient": _patient(case, identity, meeting_day),
            "diagnosis": case.diagnosis,
            "icd10": case.icd10_code or "",
            "stage": case.stage or "",
            "ecog": "" if case.ecog is None else str(case.ecog),
            "prior_lines": "" if case.prior_lines is None else str(case.prior_lines),
            "question": case.clinical_question,
            "submitter": case.submitter.full_name,
            "biomarkers": _biomarkers(case),
            "reports": _reports(case),
            "outcome": item.outcome.value,
            "deferral_note": item.deferral_note or "",
            "recused": [{"name": r.user.full_name, "note": r.note or ""} for r in recusals.get(item.id, [])],
            "decision": _decision(decision, tz) if decision else None,
            # An urgent case brought to the meeting after it began (only then: earlier
            # versions' recorded content stays as it was).
            **({"added_in_session": True} if item.added_in_session else {}),
        })
    return {
        "kind": "minutes",
        "board": {"name": board.name, "code": board.code},
        "meeting": {
            "date": local_datetime(meeting.starts_at, tz, "EEEE d MMMM yyyy"),
            "start": local_datetime(meeting.starts_at, tz, "HH:mm"),
            "end": local_datetime(meeting.ends_at, tz, "HH:mm"),
            "timezone": tz,
            "location": meeting.location or "",
            "video_link": meeting.video_link or "",
            # Full date and time: a session may be opened on another day than scheduled.
            "started_at": dt(meeting.started_at, tz),
            "closed_at": dt(meeting.closed_at, tz),
        },
        "identity_shown": identity,
        "attendance": _attendance(rows),
        "quorum": {
            "met": quorum.met,
            "entries": [{"label": e.label, "met": e.met, "filled_by": e.filled_by} for e in quorum.entries],
            "missing": quorum.missing,
        },
        "items": items,
        "signature": _signature(signer, signed_at, tz),
        "hospital": hospital(),
    }


def corrected_context(signed: dict, fresh: dict, reference: str) -> dict:
    """The minutes a correction re-signs: the signed version as it stands (the cases as the
    board discussed them, attendance, quorum), with only the corrected case's decision
    taken anew, and the new signature. Cases sent back to the pool may have been edited
    since; a correction of another case must not reprint them."""
    decisions = {item["reference"]: item["decision"] for item in fresh["items"]}
    items = [{**item, "decision": decisions.get(reference)} if item["reference"] == reference else item
             for item in signed["items"]]
    return {**signed, "items": items, "signature": fresh["signature"], "hospital": fresh["hospital"]}


def _signature(signer, at: datetime | None, tz: str) -> dict:
    """Who signs, in which role, when: the signature block under the signature field."""
    return {"name": signer.full_name if signer else "", "role": _("chair of the board"), "at": dt(at, tz)}


def _attendance(rows) -> dict:
    return {
        "members": [{"name": a.name, "specialty": a.role_label} for a in rows if not a.is_guest],
        "guests": [{"name": a.name, "role": a.role_label} for a in rows if a.is_guest],
    }


def _discussed(decision: Decision) -> dict:
    """The case as the board discussed it: its item in the meeting's signed minutes (version
    1; a correction reprints the same). Empty before the signature: the case is read live.
    A correction's letter must not print what the clinician changed in the case since."""
    content = db.session.scalar(
        sa.select(MinutesVersion.content_json).where(MinutesVersion.meeting_id == decision.meeting_id)
        .order_by(MinutesVersion.number).limit(1))
    if content is None:
        return {}
    reference = decision.case.reference
    return next((item for item in json.loads(content).get("items", []) if item.get("reference") == reference), {})


def letter_context(decision: Decision, signer=None, signed_at: datetime | None = None) -> dict:
    """The letter for one decision version. It shows the patient's identity whatever the
    board's minutes setting: it is filed in the patient's record, addressed to the
    clinician who referred the case, and only downloadable by those with access to the case.

    The case (diagnosis, question, findings, reports) is printed as the board discussed it,
    from the signed minutes; attendance and quorum as they stood when the board decided.

    ``signer`` signs it at ``signed_at`` (by default: who validated the decision, when it was
    published)."""
    case = decision.case
    meeting = decision.meeting
    board = meeting.board
    tz = board.timezone
    meeting_day = to_local(meeting.starts_at, tz).date()
    recusals = decisions.recusals_by_item(meeting).get(decision.agenda_item_id, [])
    recused = [r.user.full_name for r in recusals]
    # Those recorded present when the board decided: the quorum line and the list agree with
    # the quorum the decision was validated with (recused members do not count for it).
    rows = present_when_decided(decision, decisions.attendances(meeting))
    quorum = quorum_when_decided(meeting, decision, rows, {r.user_id for r in recusals})
    discussed = _discussed(decision)
    return {
        "kind": "letter",
        "hospital": hospital(),
        "attendance": _attendance(rows),
        "quorum": {"met": quorum.met, "missing": quorum.missing,
                   "entries": [{"label": e.label, "met": e.met, "filled_by": e.filled_by} for e in quorum.entries]},
        "signature": _signature(signer or decision.validated_by, signed_at or decision.published_at
                                or decision.validated_at, tz),
        "board": {"name": board.name, "code": board.code},
        "meeting": {"date": local_datetime(meeting.starts_at, tz, "d MMMM yyyy"), "location": meeting.location or ""},
        "addressee": {"name": case.submitter.full_name, "email": case.submitter.email},
        "reference": case.reference,
        "patient": _patient(case, True, meeting_day),
        "diagnosis": discussed.get("diagnosis", case.diagnosis),
        "icd10": discussed.get("icd10", case.icd10_code or ""),
        "stage": discussed.get("stage", case.stage or ""),
        "question": discussed.get("question", case.clinical_question),
        "biomarkers": discussed["biomarkers"] if "biomarkers" in discussed else _biomarkers(case),
        "reports": discussed["reports"] if "reports" in discussed else _reports(case),
        "recused": recused,
        "decision": _decision(decision, tz),
    }
