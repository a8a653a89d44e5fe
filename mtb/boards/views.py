"""Board settings (secretaries and admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mtb import transaction
from mtb.access import refuse
from mtb.boards import bp, services
from mtb.boards.forms import BoardSettingsForm
from mtb.errors import InvalidInput
from mtb.vocab import SPECIALTY_LABELS


@bp.route("/boards/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    board = services.get_board(slug)
    if not board.can_edit_settings(current_user):
        refuse(403, "Board", board.id, "settings")
    form = BoardSettingsForm(obj=board)
    if request.method == "GET":
        form.quorum_specialties.data = "\n".join(board.quorum_specialties or [])
    if form.validate_on_submit():
        values = {
            "cadence_rrule": form.cadence_rrule.data,
            "cadence_anchor": form.cadence_anchor.data,
            "meeting_length_minutes": form.meeting_length_minutes.data,
            "minutes_per_case": form.minutes_per_case.data,
            "cutoff_hours": form.cutoff_hours.data,
            "location": form.location.data or None,
            "video_link": form.video_link.data or None,
        }
        if current_user.is_admin:
            values.update(
                name=form.name.data,
                quorum_specialties=_lines(form.quorum_specialties.data),
                identity_in_minutes=form.identity_in_minutes.data,
            )
        try:
            services.update_settings(board, current_user, **values)
        except InvalidInput as error:
            # The form is shown again (200) with the message: nothing of this save may stay.
            transaction.roll_back()
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("Settings of %(board)s saved.", board=board.name), "success")
            return redirect(url_for("boards.settings", slug=board.slug))
    return render_template("boards/settings.html", board=board, form=form, specialties=SPECIALTY_LABELS)


def _lines(value) -> list[str]:
    # A form posted without the field keeps the board's stored list.
    return list(value) if isinstance(value, list) else (value or "").splitlines()
