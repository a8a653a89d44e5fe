"""Signing in against LDAP / Active Directory (ldap3).

The person's own credentials are checked by binding as them, over LDAPS or StartTLS with
the server's certificate checked. With a service account (LDAP_SERVICE_DN) MTB first
finds the entry with LDAP_USER_FILTER, and can later look the account up again to end
the sessions of people disabled or removed from the group (``lookup``); without one it
binds through LDAP_BIND_DN_TEMPLATE and reads the entry as the person.
"""

from __future__ import annotations

import enum
import logging
import re
import ssl
import uuid
import warnings
from dataclasses import dataclass

with warnings.catch_warnings():
    # ldap3 2.9 imports names that pyasn1 0.6 deprecates: not ours to fix, and harmless.
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_bytes, escape_filter_chars
    from ldap3.utils.dn import escape_rdn

from mtb.accounts.external import Identity, mapped_groups, setting
from mtb.accounts.models import LDAP

log = logging.getLogger(__name__)

#: Result codes that are answers, not failures: success, sizeLimitExceeded, noSuchObject.
_ANSWERS = {0, 4, 32}


class Outcome(enum.Enum):
    OK = "ok"
    #: Unknown login or wrong password (told apart by nobody).
    WRONG = "wrong password"
    INACTIVE = "disabled in the directory"
    OUTSIDE_GROUP = "not in the sign-in group"
    GONE = "no longer in the directory"
    UNAVAILABLE = "directory unavailable"


@dataclass
class Result:
    outcome: Outcome
    identity: Identity | None = None
    #: The id of the entry the login named, when it was found but refused (a wrong password,
    #: a disabled account): the audit trail ties the refusal to its MTB account.
    external_id: str | None = None


def enabled() -> bool:
    return bool(setting("LDAP_URL"))


#: A NetBIOS domain before the login, as Windows shows it ("HOSPITAL\jdoe").
_NETBIOS_DOMAIN = re.compile(r"[^\\/:*?\"<>|.\s]{1,15}\\(?=\S)")
#: The filter or bind template finds people by account name, which carries no domain.
_BY_ACCOUNT_NAME = re.compile(r"\b(samaccountname|uid)\s*=\s*\{login\}", re.IGNORECASE)


def login_name(login: str) -> str:
    """The login as the directory knows it: "HOSPITAL\\jdoe" is jdoe when people are found by
    their account name (sAMAccountName or uid), where the domain prefix would find nobody."""
    login = (login or "").strip()
    if not _BY_ACCOUNT_NAME.search(setting("LDAP_USER_FILTER") + setting("LDAP_BIND_DN_TEMPLATE")):
        return login
    # Every prefix, not one: "A\B\jdoe" read once as "B\jdoe" was slowed down under that
    # name while binding as jdoe (a fresh count for each made-up prefix).
    while domain := _NETBIOS_DOMAIN.match(login):
        login = login[domain.end():]
    return login


def can_recheck() -> bool:
    """Looking an account up again needs the service account: MTB never keeps passwords."""
    return enabled() and bool(setting("LDAP_SERVICE_DN"))


class _CheckedTls(Tls):
    """ldap3 turns the SSL context's hostname check off and calls ssl.match_hostname instead
    (deprecated, removed in Python 3.12): let the context check the certificate and name."""

    def wrap_socket(self, connection, do_handshake=False):
        context = ssl.create_default_context(cafile=self.ca_certs_file or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        connection.socket = context.wrap_socket(connection.socket, server_hostname=connection.server.host,
                                                do_handshake_on_connect=do_handshake)


def _timeout() -> int:
    return int(setting("LDAP_TIMEOUT_SECONDS") or 10)


def _server() -> Server:
    url = setting("LDAP_URL")
    if url.startswith("ldap://") and not _start_tls():
        raise LDAPException("refusing to send passwords over LDAP without TLS")
    tls = _CheckedTls(validate=ssl.CERT_REQUIRED, ca_certs_file=setting("LDAP_CA_FILE") or None)
    return Server(url, use_ssl=url.startswith("ldaps://"), tls=tls, get_info=NONE, connect_timeout=_timeout())


def _start_tls() -> bool:
    return setting("LDAP_START_TLS").lower() not in ("", "0", "false", "no")


def _bind(server: Server, dn: str, password: str) -> Connection | None:
    """A connection bound as ``dn``, or None when the directory refuses the credentials."""
    conn = Connection(server, user=dn, password=password, receive_timeout=_timeout(), read_only=True,
                      raise_exceptions=False)
    conn.open()
    if _start_tls() and not server.ssl and not conn.start_tls():
        raise LDAPException("StartTLS refused")
    if conn.bind():
        return conn
    code = conn.result.get("result")
    conn.unbind()
    if code == 49:  # invalidCredentials (AD adds why: disabled, expired...)
        return None
    raise LDAPException(f"bind refused: {conn.result.get('description')}")


def _search(conn: Connection, base: str, query: str, scope, attributes) -> list[dict]:
    conn.search(base, query, scope, attributes=attributes, size_limit=2 if scope == SUBTREE else 1)
    if conn.result.get("result") not in _ANSWERS:
        raise LDAPException(f"search failed: {conn.result.get('description')}")
    return [r for r in conn.response or [] if r.get("type") == "searchResEntry"]


def _attributes() -> list[str]:
    names = [setting("LDAP_ID_ATTRIBUTE"), setting("LDAP_EMAIL_ATTRIBUTE"), setting("LDAP_NAME_ATTRIBUTE"), "cn",
             setting("LDAP_SPECIALTY_ATTRIBUTE")]
    return [name for name in dict.fromkeys(names) if name]


def _find(conn: Connection, query: str) -> dict | None:
    entries = _search(conn, setting("LDAP_USER_SEARCH_BASE"), query, SUBTREE, _attributes())
    if len(entries) > 1:
        log.warning("LDAP: %d entries match one login; refusing it", len(entries))
    return entries[0] if len(entries) == 1 else None


def _user_filter(login: str) -> str:
    return setting("LDAP_USER_FILTER").replace("{login}", escape_filter_chars(login))


def _id_filter(external_id: str) -> str:
    name = setting("LDAP_ID_ATTRIBUTE")
    if name.lower() == "objectguid":  # binary in AD, stored here as its usual text form
        value = escape_bytes(uuid.UUID(external_id).bytes_le)
    else:
        value = escape_filter_chars(external_id)
    return f"({name}={value})"


def _matches(conn: Connection, dn: str, query: str) -> bool:
    return bool(_search(conn, dn, query, BASE, ["1.1"]))


def _member(conn: Connection, dn: str, group: str) -> bool:
    return _matches(conn, dn, setting("LDAP_MEMBER_FILTER").replace("{group}", escape_filter_chars(group)))


def _first(entry: dict, name: str) -> str:
    # Attribute names come back as the server spells them: compare without case.
    raw = entry.get("raw_attributes") or {}
    values = next((v for k, v in raw.items() if k.lower() == name.lower()), None) if name else None
    if not values:
        return ""
    value = values[0]
    if name.lower() == "objectguid" and isinstance(value, bytes) and len(value) == 16:
        return str(uuid.UUID(bytes_le=value))
    return value.decode("utf-8", "replace").strip() if isinstance(value, bytes) else str(value).strip()


def _judge(conn: Connection, entry: dict) -> Result:
    """May this entry sign in, and who is it? ``conn`` reads as the service or the person."""
    dn = entry["dn"]
    external_id = _first(entry, setting("LDAP_ID_ATTRIBUTE"))
    active = setting("LDAP_ACTIVE_FILTER")
    if active and not _matches(conn, dn, active):
        return Result(Outcome.INACTIVE, external_id=external_id or None)
    group = setting("LDAP_GROUP_DN")
    if group and not _member(conn, dn, group):
        return Result(Outcome.OUTSIDE_GROUP, external_id=external_id or None)
    if not external_id:
        log.error("LDAP: the entry has no %s (MTB_LDAP_ID_ATTRIBUTE)", setting("LDAP_ID_ATTRIBUTE"))
        return Result(Outcome.UNAVAILABLE)
    identity = Identity(
        source=LDAP,
        external_id=external_id,
        email=_first(entry, setting("LDAP_EMAIL_ATTRIBUTE")),
        full_name=_first(entry, setting("LDAP_NAME_ATTRIBUTE")) or _first(entry, "cn"),
        specialty=_first(entry, setting("LDAP_SPECIALTY_ATTRIBUTE")) or None,
        groups=frozenset(key for key, group in mapped_groups().items() if _member(conn, dn, group)),
    )
    return Result(Outcome.OK, identity)


def authenticate(login: str, password: str) -> Result:
    """Check the person's credentials with the directory, then whether they may sign in."""
    login = login_name(login)
    if not login or not password:
        return Result(Outcome.WRONG)  # an empty password is an anonymous bind, which succeeds
    connections: list[Connection] = []
    try:
        server = _server()
        if setting("LDAP_SERVICE_DN"):
            service = _bind(server, setting("LDAP_SERVICE_DN"), setting("LDAP_SERVICE_PASSWORD"))
            if service is None:
                raise LDAPException("the service account's credentials are refused")
            connections.append(service)
            entry = _find(service, _user_filter(login))
            if entry is None:
                return Result(Outcome.WRONG)
            person = _bind(server, entry["dn"], password)
            if person is None:
                return Result(Outcome.WRONG, external_id=_first(entry, setting("LDAP_ID_ATTRIBUTE")) or None)
            connections.append(person)
            return _judge(service, entry)
        person = _bind(server, setting("LDAP_BIND_DN_TEMPLATE").replace("{login}", escape_rdn(login)), password)
        if person is None:
            return Result(Outcome.WRONG)
        connections.append(person)
        entry = _find(person, _user_filter(login))
        if entry is None:
            log.warning("LDAP: bound as the person but their entry is not found under the search base")
            return Result(Outcome.WRONG)
        return _judge(person, entry)
    except (LDAPException, OSError) as error:
        log.warning("LDAP sign-in could not use the directory: %s: %s", type(error).__name__, error)
        return Result(Outcome.UNAVAILABLE)
    finally:
        for conn in connections:
            conn.unbind()


def lookup(external_id: str) -> Result:
    """The account as the directory sees it now (needs the service account)."""
    service = None
    try:
        server = _server()
        service = _bind(server, setting("LDAP_SERVICE_DN"), setting("LDAP_SERVICE_PASSWORD"))
        if service is None:
            raise LDAPException("the service account's credentials are refused")
        entry = _find(service, _id_filter(external_id))
        if entry is None:
            return Result(Outcome.GONE)
        return _judge(service, entry)
    except (LDAPException, OSError, ValueError) as error:
        log.warning("LDAP re-check could not use the directory: %s: %s", type(error).__name__, error)
        return Result(Outcome.UNAVAILABLE)
    finally:
        if service is not None:
            service.unbind()
