"""Configuration defaults. Every key can be overridden by an MTB_* environment
variable (``MTB_DATABASE_URL``, ``MTB_SECRET_KEY``, ...), read in create_app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class Config:
    #: Where SQLite, the generated secret key and local files live.
    INSTANCE_PATH: str | None = None
    #: SQLAlchemy URL; empty means the embedded SQLite file instance/mtb.sqlite3.
    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    #: Upload size limit in bytes (default 25 MB); bigger requests get a 413 page.
    MAX_UPLOAD_BYTES: int = 25 * 1024 * 1024
    #: Largest request: several files may travel in one upload (each within MAX_UPLOAD_BYTES).
    MAX_REQUEST_BYTES: int = 100 * 1024 * 1024
    #: argon2id cost; the defaults follow RFC 9106's second recommended option.
    ARGON2_TIME_COST: int = 3
    ARGON2_MEMORY_COST: int = 64 * 1024
    ARGON2_PARALLELISM: int = 4
    #: Failed logins on an account (or from a trusted device) before each further try must wait.
    LOGIN_FREE_ATTEMPTS: int = 5
    #: Failed logins from one client address (a hospital's NAT holds many people) before it waits.
    LOGIN_ADDRESS_FREE_ATTEMPTS: int = 30
    LOGIN_MAX_DELAY_SECONDS: int = 15 * 60
    #: How long a browser that signed in stays trusted for that account (device cookie).
    DEVICE_COOKIE_DAYS: int = 365
    #: A session ends after this long without a request, and this long after sign-in.
    SESSION_IDLE_MINUTES: int = 30
    SESSION_MAX_HOURS: int = 12
    #: SMTP URL (smtp://user:pass@host:port, smtps://, smtp+starttls://); empty logs e-mails.
    SMTP_URL: str = ""
    MAIL_FROM: str = "MTB <mtb@localhost>"
    #: Absolute base URL used in e-mails and calendar feeds.
    BASE_URL: str = f"http://127.0.0.1:{os.environ.get('MTB_PORT', '5000')}"
    #: Domain part of calendar event UIDs (meeting-12@mtb.calendar); never change it
    #: once feeds are subscribed, or calendars show every meeting twice.
    CALENDAR_UID_DOMAIN: str = "mtb.calendar"
    DEMO_PASSWORD: str = "tumour-board-demo"
    BABEL_DEFAULT_LOCALE: str = "en"
    LANGUAGES: tuple[str, ...] = ("en", "fr")
    BOARD_TIMEZONE: str = "Europe/Paris"
    #: Rows per page on list pages.
    PAGE_SIZE: int = 25
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    REMEMBER_COOKIE_HTTPONLY: bool = True
    REMEMBER_COOKIE_SAMESITE: str = "Lax"
    WTF_CSRF_TIME_LIMIT: int | None = None  # a form left open through a meeting must still submit
    #: Scheduler job cadence in seconds for the outbox sender.
    OUTBOX_INTERVAL_SECONDS: int = 30
    #: A message that failed this many times is marked failed (shown on the admin outbox).
    OUTBOX_MAX_ATTEMPTS: int = 6
    #: First retry delay; each further attempt doubles it.
    OUTBOX_BACKOFF_SECONDS: int = 60
    SMTP_TIMEOUT_SECONDS: int = 20

    # Signing in through the hospital's directory (README, "Signing in with the hospital's
    # directory"). Local passwords: "all" (the demo, or no directory) or "admins" (only site
    # administrators' break-glass accounts; everyone else signs in through the directory).
    LOCAL_PASSWORDS: str = "all"
    #: ldaps://dc.hospital.local, or ldap://...:389 with LDAP_START_TLS; empty: no LDAP.
    LDAP_URL: str = ""
    LDAP_START_TLS: bool = False
    #: PEM file of the CA that signed the directory's certificate (empty: the system's CAs).
    LDAP_CA_FILE: str = ""
    #: Bind straight as the person ("uid={login},ou=people,dc=hospital,dc=local" or
    #: "{login}@hospital.local"), or find them first with a service account:
    LDAP_BIND_DN_TEMPLATE: str = ""
    LDAP_SERVICE_DN: str = ""
    LDAP_SERVICE_PASSWORD: str = ""
    LDAP_USER_SEARCH_BASE: str = ""
    #: {login} is what the person typed, escaped.
    LDAP_USER_FILTER: str = "(uid={login})"
    #: An account must match this to sign in (AD: "(!(userAccountControl:1.2.840.113556.1.4.803:=2))").
    LDAP_ACTIVE_FILTER: str = ""
    #: Only members of this group may sign in (empty: every account the filter finds).
    LDAP_GROUP_DN: str = ""
    #: How membership of {group} is tested on the person's entry (AD, nested groups:
    #: "(memberOf:1.2.840.113556.1.4.1941:={group})").
    LDAP_MEMBER_FILTER: str = "(memberOf={group})"
    LDAP_ID_ATTRIBUTE: str = "entryUUID"
    LDAP_EMAIL_ATTRIBUTE: str = "mail"
    LDAP_NAME_ATTRIBUTE: str = "displayName"
    #: An attribute holding a specialty ("pathology" or "Pathologist"); empty: not read.
    LDAP_SPECIALTY_ATTRIBUTE: str = ""
    LDAP_TIMEOUT_SECONDS: int = 10
    #: OpenID Connect provider (its discovery document is ISSUER/.well-known/openid-configuration).
    OIDC_ISSUER: str = ""
    OIDC_CLIENT_ID: str = ""
    OIDC_CLIENT_SECRET: str = ""
    OIDC_SCOPES: str = "openid email profile"
    OIDC_GROUPS_CLAIM: str = "groups"
    #: Only people whose groups claim holds this value may sign in (empty: everyone the provider lets through).
    OIDC_REQUIRED_GROUP: str = ""
    OIDC_SPECIALTY_CLAIM: str = ""
    OIDC_CA_FILE: str = ""
    OIDC_TIMEOUT_SECONDS: int = 10
    #: "thoracic:secretary=<group DN or claim value>;thoracic:member=...": board roles that
    #: follow the directory's groups at each sign-in; empty: roles are granted in MTB only.
    DIRECTORY_ROLE_MAP: str = ""
    #: How often a directory session asks the directory whether the account may still sign in.
    DIRECTORY_RECHECK_MINUTES: int = 5

    # The hospital as the letters' letterhead names it (README, "Signed PDF/A minutes and letters").
    HOSPITAL_NAME: str = "University Hospital (demo)"
    HOSPITAL_DEPARTMENT: str = "Molecular tumour boards"
    #: Postal address; "\n" or ";" separate its lines.
    HOSPITAL_ADDRESS: str = "1 Hospital Square; 69000 Lyon; France"
    HOSPITAL_CONTACT: str = "mtb@hospital.example · +33 4 00 00 00 00"
    # The key that signs minutes and letters (PAdES). Either PEM files (key, certificate, and
    # optionally the chain up to the root) or one PKCS#12 file; with neither, MTB signs with a
    # demo certificate it makes in the instance folder (never in production).
    SIGNING_KEY: str = ""
    SIGNING_KEY_PASSWORD: str = ""
    SIGNING_CERT: str = ""
    SIGNING_CHAIN: str = ""
    SIGNING_PKCS12: str = ""
    SIGNING_PKCS12_PASSWORD: str = ""
    #: RFC 3161 time-stamping service: its time-stamp makes the signatures PAdES B-T (empty: B-B).
    SIGNING_TSA_URL: str = ""
    SIGNING_TSA_TIMEOUT_SECONDS: int = 10


def database_url(app_config: dict, instance_path: str) -> str:
    url = app_config.get("DATABASE_URL") or ""
    if url:
        # Heroku-style URLs name the old driver; MTB ships psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(Path(instance_path) / "mtb.sqlite3")


def secret_key(instance_path: str) -> str:
    """A key kept in instance/secret_key, made once, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key


def keep_private(instance_path: Path, url: str) -> None:
    """The instance folder (0700) and an SQLite database file (0600) hold patient data and
    the secret key: only the account running MTB may read them. SQLite gives its -wal and
    -shm files the database file's permissions."""
    instance_path.mkdir(parents=True, exist_ok=True)
    os.chmod(instance_path, 0o700)
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return
    database = Path(url[len("sqlite:///"):].split("?", 1)[0])
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists() and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
