"""Integration accounts and their tokens; what an account may read. Functions flush; the
caller commits.

A token is ``mtb_`` and 43 URL-safe characters (256 random bits); MTB keeps its SHA-256 only,
so a stolen database does not give API access, and looks the account up by that hash.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus
from mtb.errors import InvalidInput
from mtb.exports.fhir import decision_bundle
from mtb.exports.models import IntegrationAccount, PublishedBundle, integration_account_boards
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.text import clean_text

TOKEN_PREFIX = "mtb_"
NAME_MAX = 120
#: Decisions per page of the API listing, unless the caller asks for fewer or more (up to MAX).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_account(name: str | None, boards: list[Board], user) -> tuple[IntegrationAccount, str]:
    """A new account reading ``boards``, and its token (shown once, never stored).

    Raises InvalidInput("name" | "boards", message).
    """
    name = clean_text(name)
    if not name:
        raise InvalidInput("name", _("Name the system that will use this account (e.g. data warehouse)."))
    if len(name) > NAME_MAX:
        raise InvalidInput("name", _("At most %(n)d characters.", n=NAME_MAX))
    if not boards:
        raise InvalidInput("boards", _("Choose at least one board whose decisions this account reads."))
    if db.session.scalar(sa.select(IntegrationAccount.id).where(IntegrationAccount.name == name)) is not None:
        raise InvalidInput("name", _("An integration account with this name exists: choose another name."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    account = IntegrationAccount(name=name, token_hash=token_hash(token), token_hint=token[:10],
                                 created_by_id=getattr(user, "id", None), boards=list(boards))
    db.session.add(account)
    db.session.flush()
    audit.record("integration.create", account, user=user,
                 details={"name": name, "boards": [b.slug for b in boards]})
    return account, token


def revoke(account: IntegrationAccount, user) -> None:
    """The account's token stops working at once (its reads stay in the audit trail)."""
    if account.revoked_at is None:
        account.revoked_at = utcnow()
        account.revoked_by_id = getattr(user, "id", None)
        db.session.flush()
        audit.record("integration.revoke", account, user=user, details={"name": account.name})


def account_for_token(token: str | None) -> IntegrationAccount | None:
    """The active account the token belongs to, or None (unknown, malformed or revoked)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return db.session.scalar(sa.select(IntegrationAccount).where(
        IntegrationAccount.token_hash == token_hash(token), IntegrationAccount.revoked_at.is_(None)))


def _readable_boards(account: IntegrationAccount):
    return sa.select(integration_account_boards.c.board_id).where(integration_account_boards.c.account_id == account.id)


def validated_decision(account: IntegrationAccount, decision_id: int) -> Decision | None:
    """A validated (current) and published decision of one of the account's boards, or None;
    checked in the query. Until the minutes are signed the referring clinician cannot read a
    decision: no other system gets it either."""
    return db.session.scalar(sa.select(Decision).where(
        Decision.id == decision_id, Decision.status == DecisionStatus.VALIDATED, Decision.published_at.is_not(None),
        Decision.board_id.in_(_readable_boards(account))))


def board_of(account: IntegrationAccount, slug: str) -> Board | None:
    """One of the account's boards by slug, or None (another board is not told apart from none)."""
    return db.session.scalar(sa.select(Board).where(Board.slug == slug, Board.id.in_(_readable_boards(account))))


def listed_decision(account: IntegrationAccount, board: Board, decision_id: int) -> Decision | None:
    """A decision of ``board`` the listing may have shown (validated, even if corrected since),
    or None: where the next page starts."""
    return db.session.scalar(sa.select(Decision).where(
        Decision.id == decision_id, Decision.board_id == board.id, Decision.validated_at.is_not(None),
        Decision.published_at.is_not(None), Decision.board_id.in_(_readable_boards(account))))


def validated_decisions(account: IntegrationAccount, board: Board, *, limit: int | None = None,
                        after: Decision | None = None) -> list[Decision]:
    """The board's current validated and published decisions, newest first (the account's
    boards only), with their cases; at most ``limit``, those listed after ``after`` (the last
    of the page before)."""
    query = sa.select(Decision).where(
        Decision.board_id == board.id, Decision.status == DecisionStatus.VALIDATED, Decision.published_at.is_not(None),
        Decision.board_id.in_(_readable_boards(account)),
    )
    if after is not None:
        # Keyset paging in the listing's order: a page costs the same however deep it is.
        query = query.where(sa.or_(
            Decision.validated_at < after.validated_at,
            sa.and_(Decision.validated_at == after.validated_at, Decision.id < after.id)))
    # The cases in one more statement, not one per decision.
    query = query.options(selectinload(Decision.case)).order_by(Decision.validated_at.desc(), Decision.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def decisions_page(account: IntegrationAccount, board: Board, limit: int,
                   after: Decision | None = None) -> tuple[list[Decision], Decision | None]:
    """One page of ``validated_decisions`` and the decision the next page starts after (None
    on the last page)."""
    rows = validated_decisions(account, board, limit=limit + 1, after=after)
    return rows[:limit], (rows[limit - 1] if len(rows) > limit else None)


def accounts() -> list[IntegrationAccount]:
    return list(db.session.scalars(sa.select(IntegrationAccount).order_by(
        IntegrationAccount.revoked_at.is_not(None), IntegrationAccount.name)))


def touch(account: IntegrationAccount) -> None:
    account.last_used_at = utcnow()


def keep_bundle(decision: Decision) -> None:
    """Keep the decision's Bundle as published with the minutes (``bundle_json`` serves it)."""
    db.session.merge(PublishedBundle(decision_id=decision.id, bundle=_bundle_text(decision)))
    db.session.flush()


def bundle_json(decision: Decision) -> str:
    """A validated decision's Bundle as exported: as published with the minutes, or, before
    they are signed (or for decisions published before bundles were kept), built now."""
    kept = db.session.get(PublishedBundle, decision.id)
    return kept.bundle if kept is not None else _bundle_text(decision)


def _bundle_text(decision: Decision) -> str:
    return json.dumps(decision_bundle(decision), ensure_ascii=False, indent=2)
