"""Accounts from the hospital's directory (LDAP / Active Directory or OpenID Connect).

The directory says who a person is and whether they may still sign in; MTB keeps what
they may do. The first sign-in creates the account without any board role (an admin
grants them), or takes over a local account with the same e-mail so its roles carry on;
with both LDAP and OpenID Connect on, the e-mail joins a person's two identities into one
account. Joining by e-mail needs an address the directory vouches for and never reaches a
site administrator's account (``_e_mail_refusal``). When DIRECTORY_ROLE_MAP is set, the
board roles it names follow the directory's groups at each sign-in; roles it does not name
stay with MTB's administrators.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from mtb.accounts import services
from mtb.accounts.models import LDAP, LOCAL, Role, User
from mtb.audit import services as audit
from mtb.audit.models import AuditEvent
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.vocab import SPECIALTY_LABELS, Specialty

log = logging.getLogger(__name__)

#: Stored as the password of directory accounts: no password ever matches it.
NO_PASSWORD = "!directory"
LOCAL_PASSWORD_MODES = ("all", "admins")


@dataclass
class Identity:
    """A person as the directory describes them, after it accepted the sign-in."""

    source: str
    external_id: str
    email: str
    full_name: str
    #: The raw specialty value (an enum value or a label), when the directory has one.
    specialty: str | None = None
    #: The DIRECTORY_ROLE_MAP groups the person is in (normalised, see ``group_key``).
    groups: frozenset[str] = field(default_factory=frozenset)
    #: The OpenID Connect provider asserted that the e-mail is the person's (email_verified).
    email_verified: bool = False


@dataclass
class SignIn:
    user: User | None
    error: str | None = None


def setting(name: str) -> str:
    """A text setting: MTB_* values arrive parsed as JSON ("0123" stays text, "123" an int)."""
    value = current_app.config.get(name)
    return "" if value is None or value is False else str(value).strip()


def local_password_allowed(user: User) -> bool:
    """Directory accounts never sign in with a password kept here, administrators' neither:
    the directory decides whether they still may, and MTB cannot ask it at a password
    sign-in (not OpenID Connect without the browser, not LDAP when it is down), so such a
    password would outlive the person's disabling there. Break-glass passwords belong to
    local administrator accounts, which a hospital sign-in never takes over."""
    if user.from_directory:
        return False
    return setting("LOCAL_PASSWORDS") != "admins" or user.is_admin


def local_passwords_for_everyone() -> bool:
    return setting("LOCAL_PASSWORDS") != "admins"


def group_key(value: str) -> str:
    """Group DNs and claim values compared without case or spaces around separators."""
    return re.sub(r"\s*([,=])\s*", r"\1", " ".join(str(value).split())).casefold()


def parse_role_map(text: str) -> list[tuple[str, Role, str]]:
    """"thoracic:secretary=cn=mtb-tho-secr,ou=groups,dc=x;..." -> [(slug, role, group key)]."""
    return [(slug, role, group_key(group)) for slug, role, group in _role_map_entries(text)]


def _role_map_entries(text: str) -> list[tuple[str, Role, str]]:
    """DIRECTORY_ROLE_MAP as [(slug, role, group as configured)]; raises ValueError."""
    entries = []
    for item in re.split(r"[;\n]", text or ""):
        if not item.strip():
            continue
        target, sep, group = item.partition("=")
        slug, colon, role_name = target.strip().partition(":")
        if not (sep and colon and slug and group.strip()) or role_name.strip() not in {r.value for r in Role}:
            raise ValueError(f"DIRECTORY_ROLE_MAP: {item.strip()!r} is not BOARD:ROLE=GROUP "
                             f"(ROLE one of {', '.join(r.value for r in Role)})")
        entries.append((slug.strip(), Role(role_name.strip()), group.strip()))
    return entries


def role_map() -> list[tuple[str, Role, str]]:
    return parse_role_map(setting("DIRECTORY_ROLE_MAP"))


def directory_roles(boards) -> dict[tuple[int, str], str]:
    """The roles DIRECTORY_ROLE_MAP names, as (board id, role value) -> the group that gives
    it: for a directory account they follow the groups at each sign-in, not the admin page."""
    by_slug = {board.slug: board.id for board in boards}
    return {(by_slug[slug], role.value): group for slug, role, group in role_map() if slug in by_slug}


def mapped_groups() -> dict[str, str]:
    """The groups whose membership the directory must be asked about at sign-in: their key
    (``group_key``, what is compared) -> the group as configured, what the directory is
    sent (casefolding changes some DNs: "Straße" becomes "strasse", which LDAP never finds)."""
    return {group_key(group): group for _slug, _role, group in _role_map_entries(setting("DIRECTORY_ROLE_MAP"))}


def specialty_from(value: str | None) -> Specialty | None:
    """A directory value naming a specialty: its code ("pathology") or its label ("Pathologist")."""
    wanted = (value or "").strip().casefold()
    if not wanted:
        return None
    with force_locale("en"):
        english = {specialty: str(label).casefold() for specialty, label in SPECIALTY_LABELS.items()}
    for specialty, label in SPECIALTY_LABELS.items():
        if wanted in (specialty.value, english[specialty], str(label).casefold()):
            return specialty
    return None


def find_user(source: str, external_id: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.auth_source == source, User.external_id == external_id))


def sign_in(identity: Identity) -> SignIn:
    """Find, take over or create the account of a person the directory accepted; sync the
    mapped roles and record the sign-in. Flushes; the caller commits."""
    details = {"via": identity.source}
    user = find_user(identity.source, identity.external_id)
    if user is None:
        if not identity.email or "@" not in identity.email:
            audit.record("login.directory_refused", details={**details, "reason": "no e-mail"}, kept=True)
            return SignIn(None, _("Your hospital account has no e-mail address: ask the IT service to add one."))
        user = services.get_user_by_email(identity.email)
        if user is not None and user.auth_source == identity.source:
            # Another person of the same directory holds this e-mail: an identity team must look.
            audit.record("login.directory_conflict", user, user=user, details=details, kept=True)
            return SignIn(None, _("Another account already uses the e-mail address %(email)s. Ask an administrator.",
                                  email=identity.email))
        refusal = _e_mail_refusal(user, identity) if user is not None else None
        if refusal is not None:
            reason, message = refusal
            # The identity is kept with the refusal: an administrator who checked with the
            # person links it to the account from its page (``link_identity``).
            audit.record("login.directory_conflict", user, user=user, kept=True, details={
                **details, "reason": reason, "external_id": identity.external_id, "name": identity.full_name})
            return SignIn(None, message)
        if user is not None and user.auth_source == LOCAL:
            user.auth_source, user.external_id = identity.source, identity.external_id
            audit.record("user.linked", user, user=user, details={"source": identity.source})
        elif user is None:
            user = _create(identity)
        # else: the account came from the hospital's other route (LDAP and OpenID Connect
        # both on); the e-mail joins them and each session keeps its own route's id.
    # A taken-over account's local password (or one an administrator set before this rule)
    # would lie dormant, and wake if the account became local or an administrator's again.
    user.password_hash = NO_PASSWORD
    _update(user, identity)
    if not user.active:
        audit.record("login.inactive", user, user=user, details=details, kept=True)
        return SignIn(None, _("This account is disabled. Ask an administrator."))
    sync_roles(user, identity.groups, via=identity.source)
    user.previous_login_at = user.last_login_at
    user.last_login_at = utcnow()
    audit.record("login.success", user, user=user, details=details)
    db.session.flush()
    return SignIn(user)


def e_mail_confirmed(identity: Identity) -> bool:
    """Whether the directory vouches for the identity's e-mail. Anyone who can set an
    unverified address at the provider (Entra ID sends no email_verified) could otherwise
    claim any address. An LDAP entry's mail is kept by the directory's administrators and
    the person just proved the entry's password, so it is trusted as it stands."""
    return identity.source == LDAP or identity.email_verified


def _e_mail_refusal(user: User, identity: Identity) -> tuple[str, str] | None:
    """Why a new identity may not join the existing ``user`` that holds its e-mail, as
    (audited reason, message), or None: the identity's address must be confirmed, and so
    must the account's, when another directory route wrote it (``_unconfirmed_account``)."""
    if not e_mail_confirmed(identity):
        return "e-mail not verified", _(
            "An account already uses the e-mail address %(email)s, and your hospital sign-in does not confirm "
            "that this address is yours. Ask an administrator.", email=identity.email)
    if user.from_directory and _unconfirmed_account(user):
        return "account e-mail not verified", _(
            "An account already uses the e-mail address %(email)s, but the hospital sign-in that gave it this "
            "address did not confirm it. Ask an administrator.", email=identity.email)
    if user.is_admin:
        # A site administrator's account stays with its break-glass password.
        return "administrator account", _(
            "The e-mail address %(email)s belongs to a site administrator's account, which a hospital sign-in "
            "never takes over. Sign in with its local password, or ask an administrator.", email=identity.email)
    return None


#: A refused sign-in an administrator may link: its e-mail was not confirmed (not a site
#: administrator's account, which never is).
LINKABLE_REASON = "e-mail not verified"
#: How many of an account's refused sign-ins its page offers to link.
LINKABLE_SHOWN = 5


@dataclass(frozen=True)
class RefusedSignIn:
    """A hospital sign-in refused for an account's e-mail, as the audit trail kept it."""

    event_id: int
    at: datetime
    source: str
    external_id: str
    name: str


def route_label(source: str) -> str:
    """How the pages name a sign-in route."""
    return {LDAP: "LDAP / Active Directory", "oidc": "OpenID Connect"}.get(source, source)


def refused_sign_ins(user: User) -> list[RefusedSignIn]:
    """The hospital identities refused for this account's e-mail because the directory did
    not confirm the address, newest first, one per identity, those linked since left out."""
    if user.is_admin or user.auth_source != LOCAL:
        return []
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "login.directory_conflict", AuditEvent.object_type == "User",
                                    AuditEvent.object_id == user.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(50)
    )
    found: dict[tuple[str, str], RefusedSignIn] = {}
    for event in events:
        details = event.details or {}
        key = (str(details.get("via") or ""), str(details.get("external_id") or ""))
        if details.get("reason") != LINKABLE_REASON or not all(key) or key in found:
            continue
        if find_user(*key) is None:
            found[key] = RefusedSignIn(event.id, event.at, key[0], key[1], str(details.get("name") or ""))
    return list(found.values())[:LINKABLE_SHOWN]


def link_identity(user: User, event_id, *, by: User) -> RefusedSignIn:
    """An administrator who checked with the person links a refused hospital sign-in (named
    by its audit event) to the local account holding its e-mail: its next sign-in through
    the directory is this account, roles kept. Raises InvalidInput("event", ...)."""
    chosen = next((r for r in refused_sign_ins(user) if str(r.event_id) == str(event_id)), None)
    if chosen is None:
        raise InvalidInput("event", _("This sign-in can no longer be linked to the account: reload the page."))
    user.auth_source, user.external_id = chosen.source, chosen.external_id
    user.password_hash = NO_PASSWORD  # the directory checks the person's password from now on
    audit.record("user.linked", user, user=by, details={
        "source": chosen.source, "external_id": chosen.external_id, "name": chosen.name,
        "refused_event": chosen.event_id, "by_administrator": True})
    db.session.flush()
    return chosen


def _create(identity: Identity) -> User:
    user = User(email=services.normalise_email(identity.email), full_name=identity.full_name or identity.email,
                password_hash=NO_PASSWORD, auth_source=identity.source, external_id=identity.external_id,
                specialty=specialty_from(identity.specialty))
    db.session.add(user)
    db.session.flush()
    details = {"source": identity.source}
    if not e_mail_confirmed(identity):
        # The address is the account's, but no key for joining another identity to it.
        details[UNCONFIRMED_MARK] = False
    audit.record("user.create", user, user=user, details=details)
    return user


#: In the ``user.create`` details of an account made from an e-mail the directory did not confirm.
UNCONFIRMED_MARK = "email_verified"


def _unconfirmed_account(user: User) -> bool:
    """The account's e-mail came from a sign-in that did not confirm it: the account was
    made with it (``_create``) and no confirmed address replaced it since (``_update``
    writes only those). Read from the append-only audit trail: no column holds it."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "User", AuditEvent.object_id == user.id,
                                    AuditEvent.action.in_(("user.create", "user.update")))
        .order_by(AuditEvent.id.desc()))
    for event in events:
        details = event.details or {}
        if event.action == "user.update" and "email" in details:
            return False
        if event.action == "user.create":
            return details.get(UNCONFIRMED_MARK) is False
    return False


def _update(user: User, identity: Identity) -> None:
    """The directory is the reference for name, e-mail and (when it has one) specialty.
    A new e-mail it does not confirm is not written (the old one stays): it would become
    the key another identity joins this account by."""
    changed = {}
    email = services.normalise_email(identity.email)
    if email and "@" in email and email != user.email:
        if not e_mail_confirmed(identity):
            audit.record("user.email_refused", user, user=user, kept=True, details={
                "source": identity.source, "reason": "e-mail not verified", "email": email})
        elif services.get_user_by_email(email) is None:
            changed["email"] = user.email = email
        else:
            log.warning("directory e-mail of user %s is already used by another account", user.id)
    if identity.full_name and identity.full_name != user.full_name:
        changed["full_name"] = user.full_name = identity.full_name
    specialty = specialty_from(identity.specialty)
    if specialty is not None and specialty != user.specialty:
        user.specialty = specialty
        changed["specialty"] = specialty.value
    if changed:
        audit.record("user.update", user, user=user, details={"source": identity.source, **changed})


#: The audited source of the roles DIRECTORY_ROLE_MAP grants and revokes.
ROLE_MAP_SOURCE = "directory role map"


def sync_roles(user: User, groups: frozenset[str] | set[str], *, via: str) -> None:
    """Grant the mapped roles of the person's groups and revoke the mapped roles of the
    others; roles the map does not name are left as MTB's administrators set them. Audited
    as the person's own sign-in (through ``via``) applying the map."""
    entries = role_map()
    if not entries:
        return
    boards = {board.slug: board for board in db.session.scalars(sa.select(Board))}
    wanted = {(slug, role) for slug, role, group in entries if group in groups}
    source = {"source": ROLE_MAP_SOURCE, "via": via}
    for slug, role in sorted({(slug, role) for slug, role, _group in entries}):
        board = boards.get(slug)
        if board is None:
            log.warning("DIRECTORY_ROLE_MAP names an unknown board %r", slug)
        elif (slug, role) in wanted:
            services.grant_role(user, board, role, by=user, source=source)
        else:
            services.revoke_role(user, board, role, by=user, source=source)


def check_settings(config) -> None:
    """Refuse to start on settings that would fail at the first sign-in."""
    mode = str(config.get("LOCAL_PASSWORDS") or "all")
    if mode not in LOCAL_PASSWORD_MODES:
        raise ValueError(f"MTB_LOCAL_PASSWORDS must be one of {', '.join(LOCAL_PASSWORD_MODES)}, not {mode!r}")
    parse_role_map(str(config.get("DIRECTORY_ROLE_MAP") or ""))
    url = str(config.get("LDAP_URL") or "")
    if url:
        if url.startswith("ldap://") and not config.get("LDAP_START_TLS"):
            raise ValueError("MTB_LDAP_URL: passwords never travel in clear; use ldaps:// or MTB_LDAP_START_TLS=1")
        if not (config.get("LDAP_BIND_DN_TEMPLATE") or config.get("LDAP_SERVICE_DN")):
            raise ValueError("MTB_LDAP_URL needs MTB_LDAP_BIND_DN_TEMPLATE or MTB_LDAP_SERVICE_DN")
        if not config.get("LDAP_USER_SEARCH_BASE"):
            raise ValueError("MTB_LDAP_URL needs MTB_LDAP_USER_SEARCH_BASE")
    issuer = str(config.get("OIDC_ISSUER") or "")
    if issuer:
        if not config.get("OIDC_CLIENT_ID"):
            raise ValueError("MTB_OIDC_ISSUER needs MTB_OIDC_CLIENT_ID")
        parts = urlsplit(issuer)
        if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("MTB_OIDC_ISSUER must be an https:// address")
