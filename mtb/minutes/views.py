"""The published records: the list of signed minutes and letters, a meeting's minutes page
(signing, versions, letters), and the PDF downloads."""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.audit import services as audit
from mtb.boards import services as boards
from mtb.decisions import queries as decisions
from mtb.decisions.session import BeforeMeetingDay, day_label
from mtb.errors import ServiceUnavailable
from mtb.i18n import gettext as _
from mtb.idempotency import once
from mtb.minutes import bp, display, queries, rendering, services

# Print stylesheets quote text with it (the running headers of the PDFs).
bp.app_template_filter("css_string")(rendering.css_string)


@bp.route("/decisions")
@login_required
def index():
    """Signed minutes of the user's boards (or one board), newest first, with the letters."""
    board = None
    slug = request.args.get("board")
    if slug:
        board = boards.get_board(slug)
        if not (current_user.has_role(board.id) or current_user.is_admin):
            access.refuse(403, "Board", board.id, "view")
    search = (request.args.get("q") or "").strip()[:100]
    # The account itself, not the proxy: each of the page's forty decisions asks about it.
    listing = queries.published_page(current_user._get_current_object(), board, after=request.args.get("after"),
                                     before=request.args.get("before"), query=search)
    own_letters = queries.letters_for_own_cases(current_user, current_user.board_ids()) if board is None else []
    # The list shows case references, diagnoses and recommendations: a read of the board's records.
    audit.record("decisions.index", None, board_id=board.id if board else None,
                 details={"meetings": [m.id for m in listing.meetings], "searched": bool(search)})
    shown = [line for lines in listing.decisions.values() for line in lines]
    return render_template("minutes/index.html", page=listing, versions=listing.versions,
                           letters=listing.letters, decisions_by_meeting=listing.decisions, own_letters=own_letters,
                           decision_rows=display.decision_rows(shown, listing.letter_ids),
                           board=board, search=search)


@bp.route("/meetings/<int:meeting_id>/minutes")
@login_required
def meeting_minutes(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id)
    can_run = meeting.can_run(current_user)
    is_chair = current_user.is_chair(meeting.board_id)
    # Before signing, only those running the meeting see the (unpublished) decisions.
    show_decisions = meeting.is_signed or can_run or is_chair
    latest = decisions.latest_by_item(meeting) if show_decisions else {}
    audit.record_read("meeting.minutes_view", meeting, board_id=meeting.board_id)
    return render_template(
        "minutes/meeting.html", meeting=meeting, board=meeting.board, versions=queries.minutes_versions(meeting),
        letters=queries.letters_of(meeting) if meeting.is_signed else [],
        latest=latest, show_decisions=show_decisions, can_run=can_run, is_chair=is_chair,
        drafts=[d for d in latest.values() if d.is_draft],
        states={item.id: decisions.item_state(item, decisions.status_of(latest.get(item.id))) for item in meeting.items},
        day_has_come=meeting.day_has_come(), meeting_day=day_label(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/minutes/sign", methods=["POST"])
@login_required
@once
def sign(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id)
    try:
        version = services.sign(meeting, current_user)
    except services.AlreadySigned:
        # A double click, or a second tab: the minutes are there, nothing to refuse.
        transaction.roll_back()
        flash(_("These minutes were already signed."), "info")
    except BeforeMeetingDay as error:
        transaction.roll_back()
        flash(error.message, "error")
    except services.RecusedChair as error:
        transaction.roll_back()
        flash(str(error), "error")
    except ServiceUnavailable as error:
        # The time-stamping service did not answer: nothing signed, the chair tries again later.
        transaction.roll_back()
        flash(str(error), "error")
    else:
        flash(_("Minutes signed (version %(n)d). The decisions are published and the referring clinicians notified.",
                n=version.number), "success")
    return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/minutes/preview.pdf")
@login_required
def preview(meeting_id: int):
    """The minutes as signing now would write them, marked PREVIEW, never stored: the chair
    (and the secretary) read them before the signature."""
    meeting = access.meeting_or_404(meeting_id, need="run")
    if not (meeting.is_in_session or meeting.is_closed):
        flash(_("A preview of the minutes is for a meeting held and not signed yet."), "info")
        return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))
    audit.record_read("minutes.preview", meeting, board_id=meeting.board_id)
    signer = current_user if current_user.is_chair(meeting.board_id) else None
    data = rendering.preview_minutes(meeting, signer)
    # The preview showed the drafts as validated: none of that is kept.
    transaction.roll_back()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="minutes-{meeting.board.code}-{meeting.local_day:%Y%m%d}-preview.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
    version = queries.get_minutes_for_download(version_id, current_user)
    return _pdf_response(version.pdf, version.pdf_sha256, version.filename)


@bp.route("/letters/<int:letter_id>.pdf")
@login_required
def letter(letter_id: int):
    letter = queries.get_letter_for_download(letter_id, current_user)
    return _pdf_response(letter.pdf, letter.pdf_sha256, letter.filename)
