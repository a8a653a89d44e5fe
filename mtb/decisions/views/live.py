"""Following the session: the members' read-only live view, and the presentation shown on
the room's screen or shared in a video call. Both show the case the session page shows
(``mtb.decisions.live``) and reload when the session moves on."""

from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access
from mtb.audit import services as audit
from mtb.decisions import bp, live, queries
from mtb.decisions.quorum import quorum_for
from mtb.http import db_int
from mtb.meetings.models import AgendaItem, Meeting


def _context(meeting: Meeting, item: AgendaItem | None) -> dict:
    if not _agenda_shown(meeting):
        return _before_publication(meeting)
    queries.load_items(meeting)
    states = queries.latest_states(meeting)
    shown = item or live.current_item(meeting, states)
    decision = queries.latest_with_recommendations(shown) if shown is not None and shown.id in states else None
    if decision is not None and not decision.can_view(current_user):
        decision = None  # a draft is the board's only
    previous, following = live.neighbours(meeting, shown)
    attendance = queries.attendances(meeting)
    recusals = queries.recusals_by_item(meeting).get(shown.id, []) if shown is not None else []
    audit.record_read("meeting.live_view", meeting, board_id=meeting.board_id,
                      details={"case": shown.case.reference} if shown is not None else None)
    return {
        "meeting": meeting, "board": meeting.board, "item": shown, "decision": decision,
        "items": [(i, queries.item_state(i, states.get(i.id))) for i in meeting.items],
        "index": list(meeting.items).index(shown) if shown is not None else None,
        "previous_item": previous, "next_item": following, "recusals": recusals,
        "present_count": sum(1 for a in attendance if not a.is_guest),
        "quorum": quorum_for(meeting, rows=attendance, recused_ids={r.user_id for r in recusals}),
        "stamp": live.stamp(meeting), "runs": meeting.can_run(current_user),
    }


def _agenda_shown(meeting: Meeting) -> bool:
    """The cases are shown once the agenda is published or the session has begun, as the
    meeting page shows them; those who run the meeting see the agenda they build."""
    return (meeting.has_published_agenda or meeting.is_published or meeting.is_held
            or meeting.can_run(current_user))


def _before_publication(meeting: Meeting) -> dict:
    """The page of a meeting whose agenda is not published: no case, nothing read."""
    attendance = queries.attendances(meeting)
    return {
        "meeting": meeting, "board": meeting.board, "item": None, "decision": None, "items": [], "index": None,
        "previous_item": None, "next_item": None, "recusals": [], "unpublished": True,
        "present_count": sum(1 for a in attendance if not a.is_guest),
        "quorum": quorum_for(meeting, rows=attendance, recused_ids=set()),
        "stamp": live.stamp(meeting), "runs": False,
    }


@bp.route("/meetings/<int:meeting_id>/live")
@login_required
def live_view(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id)
    return render_template("decisions/live.html", **_context(meeting, None))


@bp.route("/meetings/<int:meeting_id>/live.json")
@login_required
def live_state(meeting_id: int):
    """What the live view and the presentation poll: a fingerprint, no patient data."""
    meeting = access.meeting_or_404(meeting_id)
    queries.load_items(meeting)  # polled by every member's browser: the lighter load
    response = jsonify(stamp=live.stamp(meeting), in_session=meeting.is_in_session,
                       item=live.current_item(meeting).id if meeting.items else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/present")
@login_required
def present(meeting_id: int):
    """Full-screen, large type: the current case, or ``?item=`` (its ←/→). For those who
    run the session, choosing a case here moves the session to it."""
    meeting = access.meeting_or_404(meeting_id)
    item_id = request.args.get("item", type=db_int)
    item = queries.get_item(meeting, item_id) if item_id is not None and _agenda_shown(meeting) else None
    if item is not None and meeting.can_run(current_user):
        live.follow(meeting, item)
    context = _context(meeting, item)
    # Following the session: always for those who run it (their ←/→ move it), otherwise
    # until the viewer picks a case of their own.
    context["follows"] = context["runs"] or item is None
    context["exit_url"] = (url_for("decisions.session", meeting_id=meeting.id, item=context["item"].id if context["item"] else None)
                           if context["runs"] else url_for("decisions.live_view", meeting_id=meeting.id))
    return render_template("decisions/present.html", **context)
