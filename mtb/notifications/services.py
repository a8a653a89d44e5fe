"""Notifications: queue e-mails in the outbox (same transaction as the change), send them
later with retries, and respect each user's choices.

E-mails name cases by their reference only: never a patient's name, record number or
birth date.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.db import savepoint, utcnow
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.notifications.models import NotificationKind, NotificationPreference, OutboxMessage, OutboxStatus

__all__ = ["NotificationKind", "notify", "in_language_of", "send_due_messages", "absolute_url"]

log = logging.getLogger(__name__)

#: Attempts before a message is marked failed (each waits twice as long as the last).
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_BACKOFF_SECONDS = 60
#: How long a sender may hold a claimed message before another may take it over.
CLAIM_SECONDS = 300


# --- Links -----------------------------------------------------------------

def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails and calendars, built on BASE_URL. Works the same in a
    page, a scheduled job or a CLI command (no request context needed)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- Preferences -----------------------------------------------------------

def preferences(user: User) -> dict[NotificationKind, bool]:
    """Every kind with the user's choice (default: on)."""
    stored = {
        p.kind: p.enabled
        for p in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    return {kind: stored.get(kind.value, True) for kind in NotificationKind}


def wants(user: User, kind: NotificationKind) -> bool:
    enabled = db.session.scalar(
        sa.select(NotificationPreference.enabled).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind.value
        )
    )
    return True if enabled is None else bool(enabled)


def set_preferences(user: User, enabled: set[str]) -> None:
    """Keep exactly the kinds in ``enabled`` switched on; unknown kinds are refused."""
    unknown = set(enabled) - {k.value for k in NotificationKind}
    if unknown:
        raise InvalidInput(None, _("Unknown notification: %(kinds)s", kinds=", ".join(sorted(unknown))))
    stored = {
        p.kind: p
        for p in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    changed = {}
    for kind in NotificationKind:
        on = kind.value in enabled
        pref = stored.get(kind.value)
        if pref is None:
            if not on:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind.value, enabled=False))
                changed[kind.value] = on
        elif pref.enabled != on:
            pref.enabled = on
            changed[kind.value] = on
    if changed:
        audit.record("notifications.preferences", user, user=user, details=changed)
    db.session.flush()


# --- Queueing --------------------------------------------------------------

@contextmanager
def in_language_of(user: User | None) -> Iterator[None]:
    """Write an e-mail (its subject, body and dates) in the recipient's language, the one
    chosen on their account, not in the language of whoever caused it."""
    with force_locale(language_of(user)):
        yield


def language_of(user: User | None) -> str:
    """The language MTB writes to ``user`` in: their account's, else the site's default."""
    locale = getattr(user, "locale", None)
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    return locale


def worded_once(compose: Callable[[], tuple[str, str]]) -> Callable[[User | None], tuple[str, str]]:
    """``compose()`` (a subject and body the same for every recipient but for the language)
    written once per language, for a message to a whole board of hundreds."""
    written: dict[str, tuple[str, str]] = {}

    def in_language_for(user: User | None) -> tuple[str, str]:
        language = language_of(user)
        if language not in written:
            with force_locale(language):
                written[language] = compose()
        return written[language]

    return in_language_for


def notify(
    user: User | None,
    kind: NotificationKind,
    subject: str,
    body: str,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue an e-mail to ``user`` in the current transaction (no commit).

    Returns None when the user is missing or inactive, opted out of ``kind``, or a
    message with the same ``dedupe_key`` was already queued.
    """
    kind = NotificationKind(kind)
    if user is None or not user.active or not user.email:
        return None
    if not wants(user, kind):
        return None
    if dedupe_key is not None:
        exists = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    with in_language_of(user):
        footer = "\n\n-- \n" + _(
            "MTB, molecular tumour board. Choose which e-mails you receive: %(url)s",
            url=absolute_url("notifications.preferences"),
        )
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        kind=kind.value,
        recipient_id=user.id,
        to_address=user.email,
        # One line: a board or meeting name typed with a line break would make every send fail.
        subject=("[MTB] " + " ".join(subject.split()))[:300],
        body=body.rstrip() + footer,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def notify_once(user: User | None, kind: NotificationKind, subject: str, body: str, dedupe_key: str) -> bool:
    """``notify`` for scheduled jobs: True when queued. Two schedulers queuing the same
    message at the same moment collide on the dedupe key: the second keeps its transaction
    and queues nothing."""
    try:
        with savepoint(db.session):
            message = notify(user, kind, subject, body, dedupe_key=dedupe_key)
            db.session.flush()
    except IntegrityError:
        return False
    return message is not None


# --- Sending ---------------------------------------------------------------

@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class SmtpSettings:
    host: str
    port: int
    mode: str  # "plain", "starttls" or "ssl"
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://host:port, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465."""
    parts = urlsplit(url)
    modes = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
    if parts.scheme not in modes or not parts.hostname:
        raise ValueError(f"SMTP_URL must look like smtp://host:port, smtp+starttls://... or smtps://... (got scheme {parts.scheme!r})")
    mode, default_port = modes[parts.scheme]
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        mode=mode,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    # RFC 5322 requires a Date; relays add none to mail submitted over the network. The
    # moment of sending, in UTC ("+0000").
    email["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=host)
    email.set_content(message.body)
    return email


def deliver(message: OutboxMessage) -> None:
    """Send one message now through SMTP_URL, or write it to the log when it is empty."""
    url = current_app.config.get("SMTP_URL") or ""
    email = _build_email(message)
    if not url:
        # The body may carry what people typed (a cancellation reason): it stays in the outbox.
        log.info("e-mail %s not sent (SMTP_URL is empty) to %s: %s", message.id, message.to_address, message.subject)
        return
    smtp = parse_smtp_url(url)
    timeout = float(current_app.config.get("SMTP_TIMEOUT_SECONDS", 20))
    if smtp.mode == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    with client:
        if smtp.mode == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(email)


def _claim(message_id: int, now: datetime) -> bool:
    """Take one message for sending; only one sender's UPDATE can match. ``now`` is the
    moment of the claim (not of the batch's start): the hold lasts CLAIM_SECONDS from it."""
    due = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, due)
        .values(status=OutboxStatus.SENDING, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    base = int(current_app.config.get("OUTBOX_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS))
    return timedelta(seconds=base * 2 ** max(0, attempts - 1))


def send_due_messages(now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send what is due at ``now`` (default: the clock). Each message is its own transaction:
    claimed (committed) before the SMTP call, marked sent or rescheduled (committed) after,
    so a message is never sent by two senders and never lost when sending fails."""
    started = utcnow()
    now = now or started
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    report = SendReport()
    ids = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(sa.or_(
            sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
            sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
        ))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ))
    db.session.commit()
    for message_id in ids:
        # Each send may take seconds: a claim made late in a slow batch, held from the batch's
        # start, would expire while its message is still being sent and a second sender take it.
        if not _claim(message_id, now + (utcnow() - started)):
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            deliver(message)
        except (smtplib.SMTPException, OSError, socket.timeout, ValueError) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.claimed_until = None
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
                report.failed += 1
                log.error("e-mail %s to %s failed for good: %s", message.id, message.to_address, error)
            else:
                message.status = OutboxStatus.PENDING
                message.next_attempt_at = now + backoff(message.attempts)
                report.retried += 1
                log.warning("e-mail %s failed (attempt %d), retrying later: %s", message.id, message.attempts, error)
        else:
            message.attempts += 1
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.claimed_until = None
            message.last_error = None
            report.sent += 1
        db.session.commit()
    return report


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """An administrator asks for one more try of a failed (or waiting) message."""
    if message.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
        raise InvalidInput(None, _("Only failed or waiting messages can be retried."))
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now or utcnow()
    audit.record("outbox.retry", message)
    db.session.flush()
