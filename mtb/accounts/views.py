"""Log in and out, change password; the admin's account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload
from wtforms.widgets import TextInput

from mtb import transaction
from mtb.access import admin_required
from mtb.accounts import bp, directory, directory_sessions, external, oidc, services, sessions, signin, throttle
from mtb.accounts.external import Identity
from mtb.accounts.forms import ChangePasswordForm, LoginForm, UserForm, ticked_roles
from mtb.accounts.models import OIDC, ROLE_LABELS, AccountState, Role, User
from mtb.boards import services as boards
from mtb.errors import InvalidInput
from mtb.extensions import db, login_manager
from mtb.http import wants_json
from mtb.i18n import gettext as _


@bp.record_once
def _check_settings(state) -> None:
    external.check_settings(state.app.config)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, unless the account is disabled or the session has ended."""
    if g.get("loading_user"):
        # Translating a message below selects the locale, which asks who is signed in:
        # nobody yet (without this, the loader would run again inside itself).
        return None
    g.loading_user = True
    try:
        return _signed_in_user(user_id)
    finally:
        g.loading_user = False


def _signed_in_user(user_id: str) -> User | None:
    # With the roles in the same statement: nearly every page asks them (navigation, access).
    user = db.session.get(User, int(user_id), options=[joinedload(User.roles)]) if user_id.isdigit() else None
    if user is None or not user.active:
        # Nothing of that session may reach the next person who signs in on this browser
        # (its directory session, above all: re-checked, it would sign them out).
        session.clear()
        return None
    reason = sessions.ended_reason(user)
    if reason is None:
        reason = directory_sessions.recheck(user)
    if reason is not None:
        session.clear()
        flash(reason, "warning")
        return None
    return user


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


def _login_page(form: LoginForm, status: int = 200, error: str | None = None):
    ldap_on = directory.enabled()
    if ldap_on:  # a directory login is often not an e-mail address
        form.email.label.text = _("Username or e-mail")
        form.email.widget = TextInput()
    return render_template(
        "accounts/login.html", form=form, error=error, oidc_on=oidc.enabled(), ldap_on=ldap_on,
        # Local passwords for administrators only: their form stays, folded, for break-glass.
        break_glass=not ldap_on and not external.local_passwords_for_everyone(),
        next=request.args.get("next"),
    ), status


def _signed_in(user: User, identity: Identity | None, tokens: dict | None = None, next_url: str | None = None):
    session.clear()  # a clean session: nothing of an earlier one on this browser carries over
    login_user(user)
    sessions.begin(user)
    if identity is not None:
        directory_sessions.begin(user, identity, tokens)
    return redirect(_safe_next(next_url))


def _keepalive_asked() -> bool:
    """A page's script asking, without a page in answer, whether the session is still on
    (mtb.js while someone types in a long form): asking is a request, so it is kept alive."""
    return request.method == "GET" and wants_json()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if _keepalive_asked():
        return ("", 204) if current_user.is_authenticated else (jsonify(signed_in=False), 401)
    if current_user.is_authenticated and request.method != "POST":
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = signin.authenticate(form.email.data, form.password.data,
                                     device_cookie=request.cookies.get(throttle.DEVICE_COOKIE),
                                     address=request.remote_addr)
        if result.user:
            if current_user.is_authenticated:
                # Someone signs in on a browser where another person is signed in (a shared
                # computer in the meeting room): from here on it is the new person. Without
                # this, their sign-in was ignored and they went on acting in the other's name.
                logout_user()
            response = _signed_in(result.user, result.identity, next_url=request.args.get("next"))
            response.set_cookie(
                throttle.DEVICE_COOKIE, result.device_cookie, httponly=True, samesite="Lax",
                secure=request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                max_age=int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400,
            )
            return response
        form.password.errors.append(result.error)
        status = 429 if result.retry_after else 200
    return _login_page(form, status)


@bp.route("/login/oidc")
def oidc_start():
    """Off to the hospital's sign-in page; it sends the person back to ``oidc_callback``."""
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    session["login_next"] = _safe_next(request.args.get("next"))
    response = oidc.start(url_for("accounts.oidc_callback", _external=True))
    if response is None:
        return _login_page(LoginForm(), 503, _("The hospital sign-in cannot be reached. Try again in a few minutes."))
    return response


@bp.route("/login/oidc/callback")
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    result = oidc.finish()
    if result.outcome != oidc.Outcome.OK:
        if result.outcome == oidc.Outcome.UNAVAILABLE:
            error, status = _("The hospital sign-in cannot be reached. Try again in a few minutes."), 503
        elif result.outcome == oidc.Outcome.OUTSIDE_GROUP:
            error, status = signin.refused_message(), 403
        else:
            error, status = _("The hospital sign-in could not be completed. Please try again."), 403
        return _login_page(LoginForm(formdata=None), status, error)
    signed_in = external.sign_in(result.identity)
    if signed_in.user is None:
        return _login_page(LoginForm(formdata=None), 403, signed_in.error)
    return _signed_in(signed_in.user, result.identity, result.tokens, session.pop("login_next", None))


@bp.route("/logout", methods=["POST"])
def logout():
    """Signing out ends every session of the account, on every device; after a sign-in
    through OpenID Connect, the provider's own sign-out is offered."""
    provider_logout = None
    if current_user.is_authenticated:
        ended = directory_sessions.end()
        if ended is not None and ended.source == OIDC and oidc.enabled():
            provider_logout = oidc.end_session_url(ended.id_token, url_for("accounts.login", _external=True))
        sessions.end_all(current_user)
    logout_user()
    session.clear()
    if provider_logout:
        return render_template("accounts/signed_out.html", provider_logout=provider_logout)
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if not external.local_password_allowed(current_user):
        # The hospital's directory keeps this person's password.
        return render_template("accounts/change_password.html", form=None)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except InvalidInput as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            sessions.begin(current_user)  # every other session of the account has ended
            flash(_("Your password was changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/admin/users")
@admin_required
def users():
    return render_template("accounts/users.html", users=services.list_users(), role_labels=ROLE_LABELS)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if user is not None:
        # Shown, never changed here; a directory may use an internal domain (.local) that
        # e-mail validation refuses.
        form.email.validators = []
    if request.method == "GET" and user:
        form.specialty.data = user.specialty.value if user.specialty else ""
        form.remember(AccountState.of(user))
    all_boards = boards.list_boards()
    # A directory account's mapped roles follow its groups at each sign-in: shown, not changed here.
    from_directory = external.directory_roles(all_boards) if user is not None and user.from_directory else {}
    stored = {(r.board_id, r.role.value) for r in user.roles} if user else set()
    held, status = stored, 200
    if request.method == "POST":  # re-show what was ticked, not what is stored
        held = {(board_id, role.value) for board_id, role in ticked_roles(request.form, all_boards)}
    if form.validate_on_submit():
        wanted = ticked_roles(request.form, all_boards)
        fixed = {(board_id, Role(role)) for board_id, role in from_directory}
        others_kept = False
        try:
            if user is None:
                if not form.password.data:
                    raise InvalidInput("password", _("Set a first password for the new account."))
                user = services.create_user(
                    form.email.data, form.full_name.data, form.password.data,
                    is_admin=form.is_admin.data, specialty=form.specialty.data or None,
                )
                user.active = form.active.data
                services.set_roles(user, wanted, fixed=fixed)
            else:
                # Only what this administrator changed on the page is saved: what another
                # saved on the account since the page was opened is kept.
                others_kept = services.save_user_edit(user, form.shown_state(), form.typed_state(wanted),
                                                      by=current_user, fixed=fixed)
                if form.password.data:
                    services.set_password(user, form.password.data)
                    if user.id == current_user.id:
                        # Every other session of the account ends; the administrator's own goes on.
                        sessions.begin(current_user)
        except services.AccountClash as clash:
            transaction.roll_back()
            _show_clash(form, clash)
            held, status = {(board_id, role.value) for board_id, role in clash.merged.roles}, 409
        except InvalidInput as error:
            transaction.roll_back()
            getattr(form, error.field).errors.append(error.message)
        else:
            if others_kept:
                flash(_("Account %(email)s saved. Someone else had changed it meanwhile: their changes are kept.",
                        email=user.email), "success")
            else:
                flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    if request.method == "POST":
        held = {pair for pair in held if pair not in from_directory} | (stored & set(from_directory))
        if user is not None and form.shown_state() is None:  # posted without it: compared with the account now
            form.remember(AccountState.of(user))
    return render_template(
        "accounts/edit_user.html", form=form, user=user, boards=all_boards, roles=list(Role), held=held,
        role_labels=ROLE_LABELS, from_directory=from_directory, conflict=status == 409,
        refused=external.refused_sign_ins(user) if user is not None else [],
    ), status


@bp.route("/admin/users/<int:user_id>/link", methods=["POST"])
@admin_required
def link_identity(user_id: int):
    """Link a hospital sign-in refused for this account's e-mail (the directory did not
    confirm the address) once the administrator checked with the person."""
    user = db.get_or_404(User, user_id)
    try:
        chosen = external.link_identity(user, request.form.get("event"), by=current_user)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("%(email)s now signs in through the hospital's directory (%(route)s); roles kept.",
                email=user.email, route=external.route_label(chosen.source)), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


def _show_clash(form: UserForm, clash: services.AccountClash) -> None:
    """Nothing was saved: the page shows the account as it is now with this administrator's
    changes (theirs where both changed a field, with the other value beside it)."""
    form.fill(clash.merged)
    form.remember(clash.current)
    for name in clash.fields:
        getattr(form, name).errors.append(_(
            "Changed meanwhile by someone else to: %(value)s. Yours is kept here: save again to replace it.",
            value=form.value_text(name, clash.current)))
    if form.password.data:  # a password is never written back into the page
        form.password.errors.append(_("Not saved yet: type the new password again."))


@bp.route("/account/language", methods=["POST"])
@login_required
def set_language():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    services.set_locale(current_user, locale)
    return redirect(_safe_next(request.form.get("next")))
