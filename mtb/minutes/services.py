"""Minutes and decision letters: the plain context, rendering, storage, signing, publication.

Flow (decided for issue 4):

1. During the meeting the secretary records draft decisions; the chair may validate
   each one as the board agrees (mtb.decisions.services.validate).
2. The secretary closes the meeting (every case decided or deferred).
3. The chair signs the minutes: any remaining draft is validated, minutes version 1
   is rendered and stored, one letter per decision is rendered and stored, the
   meeting becomes "signed", and the decisions are published (submitters notified).
4. A correction validated after signing publishes at once: a new letter for that
   case and a new minutes version; the earlier ones stay downloadable, marked superseded.

Every PDF is rendered once, from a plain JSON-able context whose canonical JSON is
stored and fingerprinted (SHA-256 in the footer); the PDF's own SHA-256 is stored
and shown beside each download. Document dates are the version's timestamp, so
rendering a stored version again gives the same bytes.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload, undefer

from mtb.audit import services as audit
from mtb.cases.biomarker_labels import KIND_LABELS as BIOMARKER_KIND_LABELS
from mtb.cases.biomarker_labels import number
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.decisions import services as decisions
from mtb.decisions.models import Decision, DecisionStatus, RecommendationKind
from mtb.errors import NotAllowed, NotFound
from mtb.extensions import db
from mtb.formatting import local_date, local_datetime, to_local
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.minutes.pdf import STATIC_PREFIX, canonical_json, html_to_pdf, sha256_hex, w3c_date

log = logging.getLogger(__name__)

SEX_LABELS = {"female": "F", "male": "M", "other": "X", "unknown": "?"}


def _document_locale() -> str:
    """PDFs are written in the site's default language, whoever clicks: same content, same bytes."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


class AlreadySigned(NotAllowed):
    """The chair signs minutes that are already signed (a double submit, a second tab)."""


# --- Plain context -------------------------------------------------------------

def _dt(value: datetime | None, tz: str, fmt: str = "d MMM yyyy, HH:mm") -> str:
    return local_datetime(value, tz, fmt) if value else ""


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _patient(case: Case, identity: bool, on: date) -> dict:
    sex = case.patient_sex.value if case.patient_sex else "unknown"
    data = {"sex": SEX_LABELS.get(sex, "?"), "age": _age(case.patient_birth_date, on)}
    if identity:
        data.update(name=case.patient_name, record_number=case.patient_record_number,
                    birth_date=local_date(case.patient_birth_date, "d MMM yyyy"))
    return data


def _biomarkers(case: Case) -> list[dict]:
    rows = []
    for b in case.biomarkers:
        value = ""
        # str() first: a value set in this session may still be a float (28.4, not 28.399999...).
        if b.vaf is not None:
            value = _("VAF %(v)s %%", v=number(Decimal(str(b.vaf))))
        elif b.copy_number is not None:
            value = _("%(n)s copies", n=number(Decimal(str(b.copy_number))))
        rows.append({
            "id": b.id,
            "kind": str(BIOMARKER_KIND_LABELS.get(b.kind, b.kind.value)),
            "label": b.label,
            "hgvs_c": b.hgvs_c or "",
            "value": value,
            "assay": b.assay or "",
            "specimen": b.specimen or "",
        })
    return rows


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
    elif rec.kind is RecommendationKind.FURTHER_TESTING:
        if rec.test_sample:
            details.append(_("on %(sample)s", sample=rec.test_sample))
    title = {
        RecommendationKind.TARGETED_THERAPY: rec.drug or "",
        RecommendationKind.CLINICAL_TRIAL: rec.trial_id or "",
        RecommendationKind.FURTHER_TESTING: rec.test_name or "",
    }.get(rec.kind, "")
    return {
        "kind": rec.kind.value,
        "kind_label": rec.kind.label,
        "title": title,
        "details": details,
        "escat_tier": rec.escat_tier or "",
        "oncokb_level": rec.oncokb_level or "",
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
        "validated_at": _dt(decision.validated_at, tz),
        "recommendations": [_recommendation(r) for r in decision.recommendations],
    }


def minutes_context(meeting: Meeting, signer, signed_at: datetime) -> dict:
    """Everything the minutes show, as plain data (the fingerprint covers exactly this)."""
    board = meeting.board
    tz = board.timezone
    identity = bool(board.identity_in_minutes)
    rows = decisions.attendances(meeting)
    recusals = decisions.recusals_by_item(meeting)
    quorum = decisions.quorum_for(meeting, rows=rows, recused_ids=set())
    validated = {
        d.agenda_item_id: d for d in db.session.scalars(
            sa.select(Decision).where(Decision.meeting_id == meeting.id, Decision.status == DecisionStatus.VALIDATED)
            .options(selectinload(Decision.recommendations), selectinload(Decision.validated_by))
        )
    }
    items = []
    meeting_day = to_local(meeting.starts_at, tz).date()
    agenda = db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.case).selectinload(Case.biomarkers)).order_by(AgendaItem.position)
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
            "outcome": item.outcome.value,
            "recused": [{"name": r.user.full_name, "note": r.note or ""} for r in recusals.get(item.id, [])],
            "decision": _decision(decision, tz) if decision else None,
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
            "started_at": _dt(meeting.started_at, tz),
            "closed_at": _dt(meeting.closed_at, tz),
        },
        "identity_shown": identity,
        "attendance": {
            "members": [{"name": a.name, "specialty": a.role_label} for a in rows if not a.is_guest],
            "guests": [{"name": a.name, "role": a.role_label} for a in rows if a.is_guest],
        },
        "quorum": {
            "met": quorum.met,
            "entries": [{"label": e.label, "met": e.met, "filled_by": e.filled_by} for e in quorum.entries],
            "missing": quorum.missing,
        },
        "items": items,
        "signature": {"name": signer.full_name if signer else "", "at": _dt(signed_at, tz)},
    }


def letter_context(decision: Decision) -> dict:
    """The letter for one decision version. It shows the patient's identity whatever the
    board's minutes setting: it is filed in the patient's record, addressed to the
    clinician who referred the case, and only downloadable by those with access to the case."""
    case = decision.case
    meeting = decision.meeting
    board = meeting.board
    tz = board.timezone
    meeting_day = to_local(meeting.starts_at, tz).date()
    recused = [r.user.full_name for r in decisions.recusals_by_item(meeting).get(decision.agenda_item_id, [])]
    return {
        "kind": "letter",
        "board": {"name": board.name, "code": board.code},
        "meeting": {"date": local_datetime(meeting.starts_at, tz, "d MMMM yyyy"), "location": meeting.location or ""},
        "addressee": {"name": case.submitter.full_name, "email": case.submitter.email},
        "reference": case.reference,
        "patient": _patient(case, True, meeting_day),
        "diagnosis": case.diagnosis,
        "icd10": case.icd10_code or "",
        "stage": case.stage or "",
        "question": case.clinical_question,
        "biomarkers": _biomarkers(case),
        "recused": recused,
        "decision": _decision(decision, tz),
    }


# --- Rendering -----------------------------------------------------------------

def _meta(title: str, version_label: str, created_at: datetime, fingerprint: str, tz: str) -> dict:
    return {
        "title": title,
        "version_label": version_label,
        "generated": _dt(created_at, tz, "d MMM yyyy, HH:mm:ss"),
        "timezone": tz,
        "fingerprint": fingerprint,
        "w3c_date": w3c_date(created_at),
        "static": STATIC_PREFIX,
    }


def minutes_html(context: dict, version: MinutesVersion, tz: str) -> str:
    with force_locale(_document_locale()):
        meta = _meta(
            _("Minutes, %(board)s, %(date)s", board=context["board"]["name"], date=context["meeting"]["date"]),
            _("Minutes version %(n)d", n=version.number), version.created_at, version.content_sha256, tz,
        )
        return render_template("pdf/minutes.html", c=context, meta=meta, reason=version.reason or "")


def letter_html(context: dict, letter: DecisionLetter, tz: str) -> str:
    with force_locale(_document_locale()):
        meta = _meta(
            _("Decision of the molecular tumour board, %(ref)s", ref=context["reference"]),
            _("Decision version %(n)d", n=context["decision"]["version"]), letter.created_at,
            letter.content_sha256, tz,
        )
        return render_template("pdf/letter.html", c=context, meta=meta)


def render_minutes(version: MinutesVersion) -> bytes:
    """Render a stored minutes version from its stored content (same bytes every time)."""
    context = json.loads(version.content_json)
    return html_to_pdf(minutes_html(context, version, version.meeting.board.timezone))


def render_letter(letter: DecisionLetter, context: dict | None = None) -> bytes:
    context = context or letter_context(letter.decision)
    return html_to_pdf(letter_html(context, letter, letter.decision.meeting.board.timezone))


def _now() -> datetime:
    # Whole seconds: the PDF's dates have second precision.
    return utcnow().replace(microsecond=0)


def create_minutes_version(meeting: Meeting, signer, signed_at: datetime, reason: str) -> MinutesVersion:
    """Render and store the next minutes version; the previous current one is superseded.
    Its document date is the signing time."""
    with force_locale(_document_locale()):
        context = minutes_context(meeting, signer, signed_at)
    content_json = canonical_json(context)
    previous = list(db.session.scalars(
        sa.select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id).order_by(MinutesVersion.number)
    ))
    now = signed_at.replace(microsecond=0)
    for old in previous:
        if old.superseded_at is None:
            old.superseded_at = now
    version = MinutesVersion(
        meeting_id=meeting.id, board_id=meeting.board_id, number=(previous[-1].number + 1) if previous else 1,
        reason=reason[:500], content_json=content_json, content_sha256=sha256_hex(content_json),
        created_at=now, signed_by_id=getattr(signer, "id", None), signed_at=signed_at,
        pdf=b"", pdf_sha256="", pdf_size=0,
    )
    version.meeting = meeting
    pdf = html_to_pdf(minutes_html(context, version, meeting.board.timezone))
    version.pdf, version.pdf_sha256, version.pdf_size = pdf, sha256_hex(pdf), len(pdf)
    db.session.add(version)
    db.session.flush()
    return version


def create_letter(decision: Decision, at: datetime | None = None) -> DecisionLetter:
    with force_locale(_document_locale()):
        context = letter_context(decision)
    letter = DecisionLetter(
        decision_id=decision.id, case_id=decision.case_id, board_id=decision.board_id,
        content_sha256=sha256_hex(canonical_json(context)), created_at=(at or _now()).replace(microsecond=0),
        pdf=b"", pdf_sha256="", pdf_size=0,
    )
    letter.decision = decision
    pdf = render_letter(letter, context)
    letter.pdf, letter.pdf_sha256, letter.pdf_size = pdf, sha256_hex(pdf), len(pdf)
    db.session.add(letter)
    db.session.flush()
    return letter


# --- Signing and publication ----------------------------------------------------------

def sign(meeting: Meeting, user, *, notify: bool = True, at: datetime | None = None) -> MinutesVersion:
    """The chair signs: remaining drafts are validated, minutes v1 and the letters are
    rendered, the meeting is signed and its decisions are published.

    ``at`` backdates the signature (demo data, imports); by default it is now.
    Raises NotAllowed when the user is not a chair of the board or the meeting is not closed.
    """
    if not decisions.is_chair(user, meeting.board_id):
        raise NotAllowed(_("Only a chair of the board can sign the minutes."))
    # Lock the meeting: a second click waits for the first signature, then finds it signed.
    decisions.lock_row(Meeting, meeting)
    db.session.refresh(meeting, ["status"])
    if meeting.status is MeetingStatus.SIGNED:
        raise AlreadySigned(_("These minutes are already signed. A change is made as a correction of a decision."))
    if meeting.status is not MeetingStatus.CLOSED:
        raise NotAllowed(_("Close the meeting before signing the minutes (every case decided or deferred)."))
    latest = decisions.latest_by_item(meeting)
    for item in meeting.items:
        decision = latest.get(item.id)
        if item.outcome is ItemOutcome.DISCUSSED and decision is None:
            raise NotAllowed(_("Case %(ref)s is marked discussed but has no decision.", ref=item.case.reference))
        if decision is not None and decision.status is DecisionStatus.DRAFT:
            decisions.validate(decision, user, publish=False)
    signed_at = (at or _now()).replace(microsecond=0)
    meeting.status = MeetingStatus.SIGNED
    version = create_minutes_version(meeting, user, signed_at, _("Signed by the chair"))
    published = list(db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id, Decision.status == DecisionStatus.VALIDATED)
    ))
    for decision in published:
        _publish(decision, signed_at, notify=notify)
    audit.record("minutes.sign", meeting, board_id=meeting.board_id, user=user,
                 details={"version": version.number, "pdf_sha256": version.pdf_sha256})
    db.session.flush()
    return version


def _publish(decision: Decision, at: datetime, *, notify: bool) -> DecisionLetter:
    decision.published_at = at
    letter = create_letter(decision, at)
    if notify:
        _notify_submitter(decision)
    return letter


def publish_correction(decision: Decision, user, previous: Decision | None) -> MinutesVersion:
    """A correction validated on a signed meeting: new letter, new minutes version, notification."""
    at = _now()
    _publish(decision, at, notify=True)
    reason = _("Correction of %(ref)s (decision version %(n)d): %(reason)s", ref=decision.case.reference,
               n=decision.version, reason=decision.correction_reason or "")
    version = create_minutes_version(decision.meeting, user, at, reason)
    audit.record("minutes.correct", decision.meeting, board_id=decision.board_id, user=user,
                 details={"version": version.number, "case": decision.case.reference})
    return version


def _notify_submitter(decision: Decision) -> None:
    from mtb.notifications.models import NotificationKind
    from mtb.notifications.services import absolute_url, notify

    case = decision.case
    meeting = decision.meeting
    when = local_datetime(meeting.starts_at, meeting.board.timezone, "d MMM yyyy")
    if decision.version == 1:
        subject = _("Decision published for case %(ref)s", ref=case.reference)
    else:
        subject = _("Corrected decision published for case %(ref)s", ref=case.reference)
    # No patient identity in e-mails: the reference and a link that asks for a login.
    body = _(
        "The %(board)s board's decision on case %(ref)s (meeting of %(date)s) is published "
        "(version %(n)d).\n\nRead it and download the decision letter: %(url)s",
        board=meeting.board.name, ref=case.reference, date=when, n=decision.version,
        url=absolute_url("decisions.view", decision_id=decision.id),
    )
    notify(case.submitter, NotificationKind.DECISION_PUBLISHED, subject, body,
           dedupe_key=f"decision-published:{decision.id}")


# --- Reading and downloading ------------------------------------------------------

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
    audit.record("minutes.download", version, board_id=version.board_id, user=user,
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
    audit.record("letter.download", letter, board_id=letter.board_id, user=user,
                 details={"case": letter.case.reference, "version": letter.decision.version,
                          "pdf_sha256": letter.pdf_sha256})
    return letter


def published_page(user, board=None, page: int = 1, per_page: int = 20):
    """Signed meetings of the user's boards, newest first, with their minutes versions and letters.

    Returns (pagination of meetings, {meeting_id: [MinutesVersion]}, {meeting_id: [DecisionLetter]}).
    """
    board_ids = user.board_ids()
    if board is not None:
        board_ids = board_ids & {board.id}
    query = (
        sa.select(Meeting)
        .where(Meeting.board_id.in_(board_ids) if board_ids else sa.false(),
               sa.exists().where(MinutesVersion.meeting_id == Meeting.id))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [m.id for m in pagination.items]
    versions: dict[int, list[MinutesVersion]] = {i: [] for i in ids}
    letters: dict[int, list[DecisionLetter]] = {i: [] for i in ids}
    if ids:
        for v in db.session.scalars(sa.select(MinutesVersion).where(MinutesVersion.meeting_id.in_(ids))
                                    .order_by(MinutesVersion.number.desc())):
            versions[v.meeting_id].append(v)
        for letter in db.session.scalars(
            sa.select(DecisionLetter).join(Decision, Decision.id == DecisionLetter.decision_id)
            .where(Decision.meeting_id.in_(ids))
            .options(selectinload(DecisionLetter.decision), selectinload(DecisionLetter.case))
            .order_by(DecisionLetter.case_id, DecisionLetter.id.desc())
        ):
            letters[letter.decision.meeting_id].append(letter)
    return pagination, versions, letters


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
