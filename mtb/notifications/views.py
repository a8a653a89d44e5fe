"""A user's notification choices and calendar link; the admin's outbox."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import transaction
from mtb.access import admin_required
from mtb.accounts import services as accounts
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.http import page_number
from mtb.i18n import gettext as _
from mtb.notifications import bp, queries, services
from mtb.notifications.models import NotificationKind, OutboxMessage, OutboxStatus


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        try:
            services.set_preferences(current_user, set(request.form.getlist("kinds")))
        except InvalidInput as error:
            transaction.roll_back()
            flash(error.message, "error")
        else:
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("notifications.preferences"))
    token = current_user.calendar_token
    feed_url = services.absolute_url("meetings.calendar_feed", token=token) if token else None
    return render_template(
        "notifications/preferences.html", choices=services.preferences(current_user), kinds=list(NotificationKind),
        feed_url=feed_url,
    )


@bp.route("/account/calendar", methods=["POST"])
@login_required
def rotate_calendar():
    """Create the private calendar link, or replace it (the old link stops working)."""
    had = bool(current_user.calendar_token)
    accounts.calendar_token(current_user, rotate=True)
    flash(_("A new calendar link was made; the old one no longer works.") if had
          else _("Your calendar link is ready."), "success")
    return redirect(url_for("notifications.preferences", _anchor="calendar"))


@bp.route("/admin/outbox")
@admin_required
def outbox():
    status = request.args.get("status") or None
    page = queries.outbox_page(page_number(), current_app.config["PAGE_SIZE"] * 2, status)
    return render_template("notifications/outbox.html", page=page, counts=queries.outbox_counts(), status=status,
                           statuses=list(OutboxStatus))


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    try:
        services.retry(message)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("Message %(id)d will be sent again within a minute.", id=message.id), "success")
    return redirect(url_for("notifications.outbox", status=request.args.get("status") or None))
