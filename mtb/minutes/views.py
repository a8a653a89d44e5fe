"""A meeting's minutes page (sign, versions, letters) and the PDF downloads."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, flash, redirect, render_template, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mtb.audit import services as audit
from mtb.decisions import services as decisions
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import bp, services


@bp.app_template_filter("css_string")
def css_string(value) -> Markup:
    """A quoted CSS string for print stylesheets: everything but letters, digits and spaces is
    escaped as a CSS hex escape, so no text can end the string or the <style> element.

    Each escape ends with a space: CSS swallows one whitespace after a hex escape, so
    without the terminator "Board · Minutes" would print as "Board ·Minutes"."""
    escaped = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x} " for ch in str(value))
    return Markup(f'"{escaped}"')


def _visible_meeting(meeting_id: int):
    """Another board's meeting is a 404, as its decisions are: a 403 would confirm it exists."""
    meeting = decisions.get_meeting(meeting_id)
    if not meeting.can_view(current_user):
        abort(404)
    return meeting


@bp.route("/meetings/<int:meeting_id>/minutes")
@login_required
def meeting_minutes(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    can_run = decisions.can_run(meeting, current_user)
    is_chair = decisions.is_chair(current_user, meeting.board_id)
    # Before signing, only those running the meeting see the (unpublished) decisions.
    show_decisions = meeting.status is MeetingStatus.SIGNED or can_run or is_chair
    latest = decisions.latest_by_item(meeting) if show_decisions else {}
    versions = services.minutes_versions(meeting)
    letters = services.letters_of(meeting) if meeting.status is MeetingStatus.SIGNED else []
    audit.record("meeting.minutes_view", meeting, board_id=meeting.board_id)
    html = render_template(
        "minutes/meeting.html", meeting=meeting, board=meeting.board, versions=versions, letters=letters,
        latest=latest, show_decisions=show_decisions, can_run=can_run, is_chair=is_chair,
        drafts=[d for d in latest.values() if d.status.value == "draft"],
        states={item.id: decisions.item_state(item, latest.get(item.id)) for item in meeting.items},
    )
    db.session.commit()
    return html


@bp.route("/meetings/<int:meeting_id>/minutes/sign", methods=["POST"])
@login_required
def sign(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    try:
        version = services.sign(meeting, current_user)
    except services.AlreadySigned:
        # A double click, or a second tab: the minutes are there, nothing to refuse.
        db.session.rollback()
        flash(_("These minutes were already signed."), "info")
    else:
        db.session.commit()
        flash(_("Minutes signed (version %(n)d). The decisions are published and the referring clinicians notified.",
                n=version.number), "success")
    return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))


def _pdf_response(data: bytes, sha256: str, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(data))
    # RFC 3230 digest and an ETag: a client can check the copy it received.
    response.headers["Digest"] = "sha-256=" + base64.b64encode(binascii.unhexlify(sha256)).decode()
    response.headers["ETag"] = f'"{sha256}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/minutes/<int:version_id>.pdf")
@login_required
def download(version_id: int):
    version = services.get_minutes_for_download(version_id, current_user)
    response = _pdf_response(version.pdf, version.pdf_sha256, version.filename)
    db.session.commit()
    return response


@bp.route("/letters/<int:letter_id>.pdf")
@login_required
def letter(letter_id: int):
    letter = services.get_letter_for_download(letter_id, current_user)
    response = _pdf_response(letter.pdf, letter.pdf_sha256, letter.filename)
    db.session.commit()
    return response
