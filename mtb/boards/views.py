"""Board settings (secretaries and admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mtb.accounts.models import Role
from mtb.boards import bp, services
from mtb.boards.forms import BoardSettingsForm
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.vocab import SPECIALTY_LABELS

#: Settings only a site administrator changes (they shape the record, not the week).
ADMIN_ONLY = ("name", "quorum_specialties", "identity_in_minutes")


@bp.route("/boards/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    board = services.get_board(slug)
    if not (current_user.is_admin or current_user.has_role(board.id, Role.SECRETARY)):
        abort(403)
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
            services.update_settings(board, **values)
            _after_settings_change(board)
        except InvalidInput as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Settings of %(board)s saved.", board=board.name), "success")
            return redirect(url_for("boards.settings", slug=board.slug))
    return render_template(
        "boards/settings.html", board=board, form=form, admin_only=ADMIN_ONLY,
        specialties=SPECIALTY_LABELS,
    )


def _lines(value) -> list[str]:
    # A form posted without the field keeps the board's stored list.
    return list(value) if isinstance(value, list) else (value or "").splitlines()


def _after_settings_change(board) -> None:
    """Future generated meetings follow a new cadence, length and place."""
    from mtb.meetings import services as meetings

    meetings.apply_board_settings(board)
