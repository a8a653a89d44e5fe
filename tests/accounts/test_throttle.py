"""Slowing down guessing without lock-out by strangers (ASVS 2.2.1, OWASP device cookies)."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.accounts.throttle import DEVICE_COOKIE
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from tests.fixtures.people import PASSWORD


def _try(client, email, password, address="10.1.2.3"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def _attack(app, email, tries=None, address="10.1.2.3"):
    stranger = app.test_client()
    for _ in range(tries or app.config["LOGIN_FREE_ATTEMPTS"] + 3):
        _try(stranger, email, "a wrong guess", address)
    return stranger


def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(app, client, clinician):
    assert _try(client, clinician.email, PASSWORD).status_code == 302
    assert client.get_cookie(DEVICE_COOKIE) is not None
    client.post("/logout")
    stranger = _attack(app, clinician.email)  # same hospital address, the account's own e-mail
    assert _try(stranger, clinician.email, PASSWORD).status_code == 429
    assert _try(client, clinician.email, PASSWORD).status_code == 302


def test_a_forged_device_cookie_counts_as_a_stranger(app, client, clinician):
    _attack(app, clinician.email)
    client.set_cookie(DEVICE_COOKIE, "forged.value")
    assert _try(client, clinician.email, PASSWORD).status_code == 429


def test_a_trusted_device_is_slowed_down_by_its_own_failures(app, client, clinician):
    assert _try(client, clinician.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        assert _try(client, clinician.email, "my own typo here").status_code == 200
    assert _try(client, clinician.email, PASSWORD).status_code == 429


def test_other_spellings_of_a_login_count_for_the_same_account(app, clinician):
    spellings = ["ｃlinician@example.org", "CLINICIAN@EXAMPLE.ORG", "ｃｌｉｎｉｃｉａｎ@ｅｘａｍｐｌｅ.ｏｒｇ"]
    stranger = app.test_client()
    for n in range(app.config["LOGIN_FREE_ATTEMPTS"] + 1):
        _try(stranger, spellings[n % len(spellings)], "a wrong guess", address=f"10.3.3.{n}")
    assert _try(stranger, clinician.email, PASSWORD, address="10.3.4.1").status_code == 429


def test_known_and_unknown_emails_get_the_same_answers(app, clinician):
    free = app.config["LOGIN_FREE_ATTEMPTS"]
    answers = []
    for email in (clinician.email, "nobody@example.org"):
        client = app.test_client()
        responses = [_try(client, email, "a wrong guess", address="10.9.9.9") for _ in range(free + 2)]
        answers.append([(r.status_code, r.get_data(as_text=True).replace(email, "E-MAIL")) for r in responses])
    assert answers[0] == answers[1]
    assert answers[0][-1][0] == 429


def test_many_failures_from_one_address_slow_that_address_down(app, clinician, make_user):
    others = [make_user(f"person{n}@example.org") for n in range(3)]
    budget = app.config["LOGIN_ADDRESS_FREE_ATTEMPTS"]
    stranger = app.test_client()
    for n in range(budget):
        _try(stranger, others[n % 3].email if n % 2 else f"guess{n}@example.org", "a wrong guess", "10.6.6.6")
    assert _try(stranger, clinician.email, PASSWORD, "10.6.6.6").status_code == 429
    assert _try(app.test_client(), clinician.email, PASSWORD, "10.7.7.7").status_code == 302


def test_unknown_login_names_are_audited_as_a_keyed_hash(client):
    _try(client, "my-password-typed-here@example.org", "x")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "login.failed"))
    assert "my-password-typed-here" not in str(event.details)
    assert len(event.details["login"]) == 40


def test_a_burst_of_refused_tries_leaves_a_bounded_audit_with_its_count(app, clinician, monkeypatch):
    # The clock stands still: on a slow machine the first one-second wait could run out
    # within the loop, starting a new burst (audited from its 1st try again).
    from mtb.accounts import throttle

    now = throttle.utcnow()
    monkeypatch.setattr(throttle, "utcnow", lambda: now)
    stranger = app.test_client()
    refused = sum(_try(stranger, clinician.email, "a wrong guess").status_code == 429
                  for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 40))
    counts = db.session.scalars(sa.select(AuditEvent.details).where(AuditEvent.action == "login.throttled")).all()
    # Rows at the 1st, 2nd, 4th, 8th... refusal of each burst, each with the count so far.
    assert refused == 40
    assert sorted(c["count"] for c in counts) == [1, 2, 4, 8, 16, 32]


def test_the_database_refuses_to_change_or_remove_audit_rows(client):
    _try(client, "nobody@example.org", "x")
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        except sa.exc.DatabaseError as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError(f"{statement} was allowed")


def test_the_directory_is_asked_without_holding_a_write_lock(app, client, monkeypatch):
    """LDAP answers in up to LDAP_TIMEOUT_SECONDS: meanwhile the sign-in must not hold the
    database's write lock (SQLite) nor the bucket rows (PostgreSQL), or every other writer waits."""
    from sqlalchemy.pool import NullPool

    from mtb.accounts import directory
    from mtb.accounts.models import LoginThrottle

    monkeypatch.setitem(app.config, "LDAP_URL", "ldaps://dc.hospital.test")
    answers = iter([directory.Outcome.UNAVAILABLE] * 8 + [directory.Outcome.WRONG] * 8)
    others = []

    def authenticate(login, password):
        engine = sa.create_engine(db.engine.url, poolclass=NullPool)  # another worker
        try:
            with engine.connect() as other:
                if other.dialect.name == "sqlite":
                    other.exec_driver_sql("PRAGMA busy_timeout=200")
                else:
                    other.exec_driver_sql("SET lock_timeout = '200ms'")
                other.execute(sa.update(LoginThrottle).values(refused=LoginThrottle.refused))
                other.commit()
                others.append("wrote")
        finally:
            engine.dispose()
        return directory.Result(next(answers))

    monkeypatch.setattr(directory, "authenticate", authenticate)
    for _ in range(8):  # the directory cannot answer: no try counts against the person
        assert "cannot be reached" in _try(client, "jdoe", "whatever it is").get_data(as_text=True)
    assert len(others) == 8
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        assert _try(client, "jdoe", "a wrong guess").status_code == 200
    assert _try(client, "jdoe", "a wrong guess").status_code == 429  # each wrong password counted once
