"""Signing in through the hospital's OpenID Connect provider (Authlib's Flask client).

Authorisation code flow with PKCE (S256). The discovery document at
OIDC_ISSUER/.well-known/openid-configuration gives the endpoints and the signing keys;
the ID token's signature, issuer, audience, expiry and nonce are checked (the issuer and
audience pinned here, so a token for another client or from another issuer is refused).
A directory session is re-checked with a refresh-token grant: a provider that disabled
the account, or ended its sessions, refuses it (``refresh``).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app
from joserfc.errors import JoseError

from mtb.accounts.external import Identity, group_key, mapped_groups, setting
from mtb.accounts.models import OIDC
from mtb.audit import services as audit

log = logging.getLogger(__name__)

#: Seconds of clock difference accepted on the ID token's times.
LEEWAY = 60
#: Provider errors that say "not now" rather than "no".
_TRANSIENT = {"temporarily_unavailable", "server_error"}


class Outcome(enum.Enum):
    OK = "ok"
    REFUSED = "refused"
    OUTSIDE_GROUP = "not in the sign-in group"
    UNAVAILABLE = "provider unavailable"
    #: The provider no longer accepts this sign-in's refresh token (invalid_grant): expired,
    #: revoked, or the account disabled. It says nothing of the person's other sessions.
    EXPIRED = "refresh token no longer accepted"


@dataclass
class Result:
    outcome: Outcome
    identity: Identity | None = None
    #: Why it was refused, for the audit trail ("invalid_claim", "bad_signature", "state"...).
    reason: str = ""
    tokens: dict = field(default_factory=dict)


class _Misconfigured(Exception):
    """The OpenID Connect settings or the provider's discovery document do not fit."""


def enabled() -> bool:
    return bool(setting("OIDC_ISSUER"))


def _client():
    """Authlib's client for the configured provider, made once per app and settings."""
    app = current_app._get_current_object()
    names = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "OIDC_CA_FILE", "OIDC_TIMEOUT_SECONDS")
    key = tuple(setting(name) for name in names)
    cached = app.extensions.get("mtb.oidc")
    if cached is not None and cached[0] == key:
        return cached[1]
    issuer, client_id, secret, scopes, ca_file, timeout = key
    options = {"scope": scopes or "openid", "code_challenge_method": "S256", "default_timeout": int(timeout or 10)}
    if ca_file:
        options["verify"] = ca_file
    if not secret:
        options["token_endpoint_auth_method"] = "none"  # a public client: PKCE alone
    client = OAuth(app).register(
        "hospital", client_id=client_id, client_secret=secret or None, client_kwargs=options,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
    )
    app.extensions["mtb.oidc"] = (key, client)
    return client


def _metadata(client) -> dict:
    metadata = client.load_server_metadata()
    # OpenID Connect Discovery 4.3: the document must name the issuer configured here.
    if metadata.get("issuer") != setting("OIDC_ISSUER"):
        raise _Misconfigured(f"the discovery document names issuer {metadata.get('issuer')!r}")
    return metadata


def _claims_options(with_nonce: bool) -> dict:
    options = {
        "iss": {"essential": True, "value": setting("OIDC_ISSUER")},
        "aud": {"essential": True, "value": setting("OIDC_CLIENT_ID")},
        "sub": {"essential": True},
        "exp": {"essential": True},
    }
    if with_nonce:
        options["nonce"] = {"essential": True}
    return options


def start(redirect_uri: str):
    """The redirect to the provider's sign-in page, or None when it cannot be reached."""
    try:
        client = _client()
        _metadata(client)
        return client.authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError, _Misconfigured) as error:
        log.warning("OpenID Connect provider unavailable: %s", error)
        return None


def finish() -> Result:
    """The provider sent the person back: exchange the code and check the ID token.
    A refusal is audited (kept) with its reason."""
    result = _finish()
    if result.outcome != Outcome.OK:
        action = "login.directory_unavailable" if result.outcome == Outcome.UNAVAILABLE else "login.oidc_refused"
        audit.record(action, details={"via": OIDC, "reason": result.reason}, kept=True)
    return result


def _finish() -> Result:
    client = _client()
    try:
        metadata = _metadata(client)
        token = client.authorize_access_token(claims_options=_claims_options(with_nonce=True), leeway=LEEWAY)
    except MismatchingStateError:
        return Result(Outcome.REFUSED, reason="state")  # a replayed or forged callback
    except OAuthError as error:
        transient = error.error in _TRANSIENT
        return Result(Outcome.UNAVAILABLE if transient else Outcome.REFUSED, reason=str(error.error or "provider error"))
    except JoseError as error:
        return Result(Outcome.REFUSED, reason=str(error.error or type(error).__name__))
    except (requests.RequestException, ValueError, RuntimeError, _Misconfigured) as error:
        log.warning("OpenID Connect provider unavailable: %s", error)
        return Result(Outcome.UNAVAILABLE, reason="unavailable")
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        return Result(Outcome.REFUSED, reason="no ID token")
    if (not claims.get("email") or _lacks_groups(claims)) and metadata.get("userinfo_endpoint"):
        claims = {**(_userinfo(client, token, claims["sub"]) or {}), **claims}
    if not _in_required_group(claims):
        return Result(Outcome.OUTSIDE_GROUP, reason="not in the sign-in group")
    groups = _groups(claims)
    name = claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
    specialty_claim = setting("OIDC_SPECIALTY_CLAIM")
    identity = Identity(
        source=OIDC, external_id=str(claims["sub"]), email=str(claims.get("email") or ""),
        full_name=str(name or claims.get("preferred_username") or claims.get("email") or ""),
        # Only a provider that says the address is the person's may join an existing account;
        # without that, the person still signs in to the account linked to their "sub", or to
        # a new one (``external.sign_in``).
        email_verified=claims.get("email_verified") in (True, "true"),
        specialty=str(claims.get(specialty_claim) or "") or None if specialty_claim else None,
        groups=frozenset(groups & set(mapped_groups())),
    )
    return Result(Outcome.OK, identity, tokens=_kept(token, claims))


def _userinfo(client, token, sub: str) -> dict | None:
    """The UserInfo answer about ``sub`` (some providers put e-mail, name or groups only
    there); None when the provider could not be asked."""
    try:
        info = client.userinfo(token=token)
    except (requests.RequestException, ValueError, OAuthError) as error:
        log.warning("OpenID Connect userinfo unavailable: %s", error)
        return None
    # Core 5.3.2: the answer must be about the same person.
    return dict(info) if info.get("sub") == sub else {}


def _lacks_groups(claims: dict) -> bool:
    """A sign-in group is required and these claims do not say the person's groups."""
    return bool(setting("OIDC_REQUIRED_GROUP")) and (setting("OIDC_GROUPS_CLAIM") or "groups") not in claims


def _in_required_group(claims: dict) -> bool:
    """Keycloak and Entra ID leave out an empty groups claim: without it, the person is in
    no group, so someone removed from their last group is refused like any outsider."""
    required = setting("OIDC_REQUIRED_GROUP")
    return not required or group_key(required) in _groups(claims)


def _groups(claims: dict) -> set[str]:
    value = claims.get(setting("OIDC_GROUPS_CLAIM") or "groups")
    values = value if isinstance(value, list) else [value] if value else []
    return {group_key(v) for v in values}


def _kept(token: dict, claims: dict) -> dict:
    expires = claims.get("exp")
    return {
        "refresh_token": token.get("refresh_token"),
        "id_token": token.get("id_token"),
        "expires_at": datetime.fromtimestamp(expires, timezone.utc).replace(tzinfo=None) if expires else None,
    }


def refresh(refresh_token: str, external_id: str) -> Result:
    """Ask the provider for fresh tokens: it refuses an account it disabled, as it refuses a
    refresh token it revoked or let expire (EXPIRED: it cannot tell which). With
    OIDC_REQUIRED_GROUP, the person must still be in that group (OUTSIDE_GROUP otherwise)."""
    client = _client()
    try:
        metadata = _metadata(client)
        token = client.fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token)
    except OAuthError as error:
        if error.error == "invalid_grant":
            return Result(Outcome.EXPIRED, reason="invalid_grant")
        transient = error.error in _TRANSIENT
        return Result(Outcome.UNAVAILABLE if transient else Outcome.REFUSED, reason=str(error.error))
    except (requests.RequestException, ValueError, RuntimeError, _Misconfigured) as error:
        log.warning("OpenID Connect refresh could not reach the provider: %s", error)
        return Result(Outcome.UNAVAILABLE, reason="unavailable")
    claims: dict = {}
    if token.get("id_token"):
        try:
            claims = dict(client.parse_id_token(token, nonce=None, claims_options=_claims_options(with_nonce=False),
                                                leeway=LEEWAY))
        except JoseError as error:
            return Result(Outcome.REFUSED, reason=str(error.error or type(error).__name__))
        if claims.get("sub") != external_id:
            return Result(Outcome.REFUSED, reason="another subject")
    # The group is asked again even when the answer carries no new ID token (OpenID
    # Connect makes it optional) or an ID token without the groups claim: UserInfo says.
    known = claims
    if _lacks_groups(claims) and metadata.get("userinfo_endpoint"):
        info = _userinfo(client, token, external_id)
        if info is None:
            return Result(Outcome.UNAVAILABLE, reason="unavailable")
        known = {**info, **claims}
    if not _in_required_group(known):
        return Result(Outcome.OUTSIDE_GROUP, reason="not in the sign-in group")
    kept = _kept(token, claims)
    kept["refresh_token"] = kept["refresh_token"] or refresh_token
    return Result(Outcome.OK, tokens=kept)


def end_session_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's sign-out page (RP-initiated logout), when it has one."""
    try:
        client = _client()
        if not _metadata(client).get("end_session_endpoint"):
            return None
        return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
                                        client_id=setting("OIDC_CLIENT_ID"))["url"]
    except (requests.RequestException, ValueError, RuntimeError, _Misconfigured):
        return None
