"""Rendering the stored documents: the minutes (one version per signature or correction)
and the decision letters.

Every PDF is rendered once, from its plain context (``mtb.minutes.context``), signed by
the chair's act (PAdES, ``mtb.minutes.signing``) and stored with the SHA-256 of that
context and of the signed file. Document dates are the version's timestamp and the
language is the site's, whoever clicks: rendering a stored version again gives the same
unsigned bytes, which the signed file starts with (the signature is an incremental update).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from mtb.db import utcnow
from mtb.decisions import queries as decisions
from mtb.decisions.models import Decision, DecisionStatus
from mtb.decisions.services import recused_item_ids
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.meetings.models import Meeting
from mtb.minutes.context import corrected_context, dt, letter_context, minutes_context
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.minutes.pdf import STATIC_PREFIX, canonical_json, html_to_pdf, sha256_hex, w3c_date
from mtb.minutes.signing import SignatureRequest

#: Minutes versions keep their reason in a column of this length.
REASON_MAX = 500


def css_string(value) -> Markup:
    """A quoted CSS string for print stylesheets: everything but letters, digits and spaces is
    escaped as a CSS hex escape, so no text can end the string or the <style> element.

    Each escape ends with a space: CSS swallows one whitespace after a hex escape, so
    without the terminator "Board · Minutes" would print as "Board ·Minutes"."""
    escaped = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x} " for ch in str(value))
    return Markup(f'"{escaped}"')


def document_locale() -> str:
    """PDFs are written in the site's default language, whoever clicks: same content, same bytes."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def document_time() -> datetime:
    """Now, in whole seconds: the PDF's dates have second precision."""
    return utcnow().replace(microsecond=0)


def _meta(title: str, version_label: str, created_at: datetime, fingerprint: str, tz: str, *,
          author: str, subject: str) -> dict:
    return {
        "title": title,
        "author": author,
        "subject": subject,
        "version_label": version_label,
        "generated": dt(created_at, tz, "d MMM yyyy, HH:mm:ss"),
        "timezone": tz,
        "fingerprint": fingerprint,
        "w3c_date": w3c_date(created_at),
        "static": STATIC_PREFIX,
    }


def minutes_html(context: dict, version: MinutesVersion, tz: str, preview: bool = False) -> str:
    with force_locale(document_locale()):
        meta = _meta(
            _("Minutes, %(board)s, %(date)s", board=context["board"]["name"], date=context["meeting"]["date"]),
            _("PREVIEW of minutes version %(n)d, not signed", n=version.number) if preview
            else _("Minutes version %(n)d", n=version.number), version.created_at, version.content_sha256, tz,
            author=context["board"]["name"],
            subject=_("Minutes of the molecular tumour board meeting of %(date)s", date=context["meeting"]["date"]),
        )
        meta["preview"] = preview
        # Version 1 replaces nothing, whatever language its reason was stored in.
        return render_template("pdf/minutes.html", c=context, meta=meta,
                               reason=(version.reason or "") if version.number > 1 else "")


def letter_html(context: dict, letter: DecisionLetter, tz: str) -> str:
    with force_locale(document_locale()):
        meta = _meta(
            _("Decision of the molecular tumour board, %(ref)s", ref=context["reference"]),
            _("Decision version %(n)d", n=context["decision"]["version"]), letter.created_at,
            letter.content_sha256, tz, author=context["board"]["name"],
            subject=_("Decision of the molecular tumour board on case %(ref)s, meeting of %(date)s",
                      ref=context["reference"], date=context["meeting"]["date"]),
        )
        return render_template("pdf/letter.html", c=context, meta=meta)


def render_minutes(version: MinutesVersion) -> bytes:
    """Render a stored minutes version from its stored content, unsigned: the same bytes
    every time, the ones the stored (signed) file starts with."""
    context = json.loads(version.content_json)
    return html_to_pdf(minutes_html(context, version, version.meeting.board.timezone))


def render_letter(letter: DecisionLetter, context: dict | None = None, signature: SignatureRequest | None = None) -> bytes:
    """Render a letter (unsigned unless ``signature``) from its context, by default rebuilt from the decision."""
    context = context or letter_context(letter.decision, signed_at=letter.created_at)
    return html_to_pdf(letter_html(context, letter, letter.decision.meeting.board.timezone), signature=signature)


def signature_request(signer, reason: str, board_name: str) -> SignatureRequest:
    """What the signature dictionary says: the chair, why, where (the hospital)."""
    config = current_app.config
    name = getattr(signer, "full_name", "") or ""
    return SignatureRequest(name=name, reason=reason, location=str(config.get("HOSPITAL_NAME") or board_name),
                            contact=str(config.get("HOSPITAL_CONTACT") or ""))


def create_minutes_version(meeting: Meeting, signer, signed_at: datetime, reason: str,
                           correction_of: Decision | None = None) -> MinutesVersion:
    """Render and store the next minutes version; the previous current one is superseded.
    Its document date is the signing time; ``correction_of``: the decision version whose
    correction made it."""
    with force_locale(document_locale()):
        context = minutes_context(meeting, signer, signed_at)
    previous = list(db.session.scalars(
        sa.select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id).order_by(MinutesVersion.number)
    ))
    signed = next((old for old in reversed(previous) if old.superseded_at is None), None)
    if correction_of is not None and signed is not None:
        context = corrected_context(json.loads(signed.content_json), context, correction_of.case.reference)
    content_json = canonical_json(context)
    created_at = signed_at.replace(microsecond=0)
    for old in previous:
        if old.superseded_at is None:
            old.superseded_at = created_at
    version = MinutesVersion(
        meeting_id=meeting.id, board_id=meeting.board_id, number=(previous[-1].number + 1) if previous else 1,
        reason=reason[:REASON_MAX], content_json=content_json, content_sha256=sha256_hex(content_json),
        created_at=created_at, signed_by_id=getattr(signer, "id", None), signed_at=signed_at,
        correction_of_id=correction_of.id if correction_of is not None else None,
        pdf=b"", pdf_sha256="", pdf_size=0,
    )
    version.meeting = meeting
    with force_locale(document_locale()):
        request = signature_request(signer, _("Minutes of the board signed by its chair"), meeting.board.name)
    pdf = html_to_pdf(minutes_html(context, version, meeting.board.timezone), signature=request)
    version.pdf, version.pdf_sha256, version.pdf_size = pdf, sha256_hex(pdf), len(pdf)
    db.session.add(version)
    db.session.flush()
    return version


def create_letter(decision: Decision, at: datetime | None = None, signer=None) -> DecisionLetter:
    """Render, sign and store the letter of one decision version, dated ``at`` (now by
    default), signed by ``signer`` (by default the chair who validated the decision)."""
    created_at = (at or document_time()).replace(microsecond=0)
    signer = signer or decision.validated_by
    with force_locale(document_locale()):
        context = letter_context(decision, signer, created_at)
        request = signature_request(signer, _("Decision of the board signed by its chair"), decision.meeting.board.name)
    letter = DecisionLetter(
        decision_id=decision.id, case_id=decision.case_id, board_id=decision.board_id,
        content_sha256=sha256_hex(canonical_json(context)), created_at=created_at,
        pdf=b"", pdf_sha256="", pdf_size=0,
    )
    letter.decision = decision
    pdf = render_letter(letter, context, signature=request)
    letter.pdf, letter.pdf_sha256, letter.pdf_size = pdf, sha256_hex(pdf), len(pdf)
    db.session.add(letter)
    db.session.flush()
    return letter


@dataclass
class _Unsaved:
    """What the minutes template reads of a version, for a preview that is never stored."""

    number: int
    created_at: datetime
    content_sha256: str
    reason: str = ""


def _preview_mark(html: str) -> str:
    """Mark every page of a preview: a line in the top margin and a large word across the
    page (``.preview-mark`` in pdf.css, fixed: WeasyPrint repeats it on each page)."""
    mark = css_string(_("PREVIEW: not signed, not valid"))
    style = (f"<style>@page {{ @top-center {{ content: {mark}; }} }} "
             f".preview-mark::before {{ content: {css_string(_('PREVIEW'))}; }}</style>")
    return html.replace("</head>", style + "</head>", 1).replace(
        "</body>", '<div class="preview-mark"></div></body>', 1)


def preview_minutes(meeting: Meeting, signer) -> bytes:
    """The minutes as the chair's signature would write them now, marked PREVIEW on every
    page: the remaining drafts shown as validated by ``signer``, the signature dated now.

    Nothing is stored, but the drafts are changed in the session to build the content:
    the caller rolls the transaction back (``mtb.transaction.roll_back``).
    """
    at = document_time()
    recused = recused_item_ids(meeting, signer) if signer is not None else set()
    left_for_another_chair = set()
    for draft in decisions.drafts_of(meeting):
        previous = decisions.current_validated(draft.agenda_item_id)
        if previous is not None:
            previous.status = DecisionStatus.SUPERSEDED
        draft.status, draft.validated_at = DecisionStatus.VALIDATED, at
        if draft.agenda_item_id in recused:
            # Signing refuses until another chair validates it: not shown as the signer's.
            left_for_another_chair.add(draft.case.reference)
        else:
            draft.validated_by = signer
    db.session.flush()
    with force_locale(document_locale()):
        context = minutes_context(meeting, signer, at)
        number = (db.session.scalar(sa.select(sa.func.max(MinutesVersion.number))
                                    .where(MinutesVersion.meeting_id == meeting.id)) or 0) + 1
        version = _Unsaved(number=number, created_at=at, content_sha256=sha256_hex(canonical_json(context)))
        for item in context["items"]:
            item["left_for_another_chair"] = item["reference"] in left_for_another_chair
        html = minutes_html(context, version, meeting.board.timezone, preview=True)
    return html_to_pdf(_preview_mark(html))
