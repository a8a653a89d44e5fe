"""Board settings (secretaries and admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import transaction
from mtb.access import refuse
from mtb.boards import bp, services
from mtb.boards.cadence import describe_rule, weekly_parts, weekly_rule
from mtb.boards.forms import BoardSettingsForm
from mtb.errors import InvalidInput
from mtb.form_errors import show_error
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.vocab import SPECIALTY_LABELS

#: Empty quorum groups offered below the board's own, to add a required presence.
EXTRA_QUORUM_ROWS = 1


@bp.route("/boards/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    board = services.get_board(slug)
    if not board.can_edit_settings(current_user):
        refuse(403, "Board", board.id, "settings")
    form = BoardSettingsForm(obj=board)
    # The board's lists as the fields write them: on a first view, and for the fields a
    # refused post did not carry (a secretary's browser sends no administrator's field).
    for name, text in (("quorum_specialties", "\n".join(board.quorum_specialties or [])),
                       ("follow_up_months", ", ".join(str(m) for m in board.follow_up_months or [])),
                       ("completeness_requirements", ", ".join(board.completeness_requirements or []))):
        if request.method == "GET" or name not in request.form:
            form[name].data = text
    if request.method == "GET":
        weekly = weekly_parts(board.cadence_rrule)
        form.cadence_mode.data = "weekly" if weekly else "rule"
        if weekly:
            form.cadence_weekday.data, form.cadence_time.data, form.cadence_every_weeks.data = weekly
    quorum = _posted_quorum() if request.method == "POST" else None
    if form.validate_on_submit():
        values = {
            "cadence_anchor": form.cadence_anchor.data,
            "meeting_length_minutes": form.meeting_length_minutes.data,
            "minutes_per_case": form.minutes_per_case.data,
            "cutoff_hours": form.cutoff_hours.data,
            "location": form.location.data or None,
            "video_link": form.video_link.data or None,
        }
        if current_user.is_admin:
            values.update(name=form.name.data, identity_in_minutes=form.identity_in_minutes.data)
            values.update(_posted_outcome_settings(form))
            if quorum is not None:
                values["quorum_specialties"] = quorum
        try:
            values["cadence_rrule"] = _posted_rule(form)
            meetings = services.update_settings(board, current_user, **values)
        except InvalidInput as error:
            # The form is shown again (200) with the message: nothing of this save may stay.
            transaction.roll_back()
            show_error(form, error.field, error.message, "quorum_specialties")
        else:
            flash(_("Settings of %(board)s saved.", board=board.name), "success")
            _say_what_meetings_did(meetings)
            return redirect(url_for("boards.settings", slug=board.slug))
    groups = quorum if quorum is not None else list(board.quorum_specialties or [])
    return render_template(
        "boards/settings.html", board=board, form=form, specialties=SPECIALTY_LABELS,
        quorum_groups=[set(group.split("|")) for group in groups] + [set()] * EXTRA_QUORUM_ROWS,
        rule_in_words=describe_rule(board.cadence_rrule), weekly=weekly_parts(board.cadence_rrule) is not None,
    )


def _say_what_meetings_did(counts: dict[str, int]) -> None:
    """A save can cancel, move or add coming meetings: the secretary is told how many, and
    which ones stayed as their published agenda announced them."""
    said = [text for n, text in (
        (counts.get("cancelled", 0), ngettext("%(num)d coming meeting left the cadence and was cancelled (it had no case).",
                                              "%(num)d coming meetings left the cadence and were cancelled (they had no case).",
                                              counts.get("cancelled", 0))),
        (counts.get("flagged", 0), ngettext("%(num)d meeting with cases is no longer in the cadence: it is marked "
                                            "“check date” in the meetings list; move or cancel it.",
                                            "%(num)d meetings with cases are no longer in the cadence: they are marked "
                                            "“check date” in the meetings list; move or cancel them.",
                                            counts.get("flagged", 0))),
        (counts.get("updated", 0), ngettext("%(num)d coming meeting now follows the new length, place or cut-off.",
                                            "%(num)d coming meetings now follow the new length, place or cut-off.",
                                            counts.get("updated", 0))),
        (counts.get("created", 0) + counts.get("restored", 0),
         ngettext("%(num)d meeting added to follow the cadence.", "%(num)d meetings added to follow the cadence.",
                  counts.get("created", 0) + counts.get("restored", 0))),
    ) if n]
    if said:
        flash(" ".join(said), "info")
    if counts.get("kept"):
        flash(ngettext("%(num)d meeting with a published agenda was left as announced: move it by hand if it "
                       "must follow the new settings.",
                       "%(num)d meetings with a published agenda were left as announced: move them by hand if "
                       "they must follow the new settings.", counts["kept"]), "warning")


def _posted_rule(form: BoardSettingsForm) -> str:
    """The cadence as a rule: built from the day, time and interval, or as written."""
    if form.cadence_mode.data == "weekly" and "cadence_weekday" in request.form:
        if not form.cadence_time.data:
            raise InvalidInput("cadence_time", _("Give the meeting time (HH:MM)."))
        return weekly_rule(form.cadence_weekday.data, form.cadence_time.data, form.cadence_every_weeks.data or 1)
    return form.cadence_rrule.data or ""


def _posted_outcome_settings(form: BoardSettingsForm) -> dict:
    """Follow-up months, turnaround target and completeness requirements, when the post has them
    (an older form without them leaves them as they are)."""
    values = {}
    if "follow_up_months" in request.form:
        values["follow_up_months"] = form.follow_up_months.data or ""
    if "turnaround_target_days" in request.form and form.turnaround_target_days.data is not None:
        values["turnaround_target_days"] = form.turnaround_target_days.data
    if "completeness_requirements" in request.form:
        values["completeness_requirements"] = form.completeness_requirements.data or ""
    return values


def _posted_quorum() -> list[str] | None:
    """The required presences as posted: one group of ticked specialties each ("any of
    these"), or the older one-per-line text; None when the post carries neither (the
    board keeps its quorum)."""
    if "quorum-groups" in request.form:
        count = request.form.get("quorum-groups", type=int) or 0
        groups = ("|".join(request.form.getlist(f"quorum-{index}")) for index in range(min(count, 50)))
        return [group for group in groups if group]
    if "quorum_specialties" in request.form:
        return request.form.get("quorum_specialties", "").splitlines()
    return None
