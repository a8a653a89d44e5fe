"""One transaction per request: committed once the response is built, rolled back when
the response refuses the request, and the test client ends requests as production does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import request
from flask.testing import FlaskClient

from mtb import create_app, transaction
from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from tests.fixtures.app import app_config
from tests.fixtures.people import PASSWORD


def _actions() -> set[str]:
    return set(db.session.scalars(sa.select(AuditEvent.action)))


@pytest.fixture
def probe_client(database_url):
    """A second app on the test database, with a route that flushes a change and answers
    the status it is asked for, driven by Flask's own client: every request gets its own
    app context and session, as under gunicorn."""
    probe = create_app(app_config(database_url))

    @probe.post("/probe/<int:status>")
    def flush_then_answer(status: int):
        db.session.add(AuditEvent(action=f"probe.change.{status}"))
        audit.record_read(f"probe.read.{status}")
        db.session.flush()
        return "answered", status

    @probe.route("/probe-commit/<int:status>", methods=["GET", "POST"])
    def commit_then_answer(status: int):
        """As a sign-in or a directory re-check: commit mid-request, then answer."""
        audit.record_read(f"probe.{request.method}.{status}")
        db.session.commit()
        return "answered", status

    probe.test_client_class = FlaskClient
    yield probe.test_client()
    with probe.app_context():
        db.engine.dispose()


def test_a_successful_request_is_committed_when_its_response_is_built(probe_client):
    assert probe_client.post("/probe/200").status_code == 200
    assert {"probe.change.200", "probe.read.200"} <= _actions()


def test_a_refused_request_is_rolled_back_but_its_read_audit_is_kept(probe_client):
    assert probe_client.post("/probe/422").status_code == 422
    actions = _actions()
    assert "probe.change.422" not in actions
    assert "probe.read.422" in actions


def test_an_event_committed_mid_request_is_written_once_whatever_the_answer(probe_client):
    for method in ("GET", "POST"):  # a GET defers its events to the end, a POST adds them at once
        for status in (200, 429):
            assert probe_client.open(f"/probe-commit/{status}", method=method).status_code == status
    events = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("probe.%"))))
    assert sorted(events) == ["probe.GET.200", "probe.GET.429", "probe.POST.200", "probe.POST.429"]


def test_a_change_the_request_never_commits_is_gone_for_the_next_request(client, login, clinician, monkeypatch):
    """The shared test client once showed a test what a view had only flushed (it expired
    objects instead of rolling back), so a view that never committed passed. It now rolls
    back after every request, as the request teardown does in production."""
    login(clinician)
    old_hash = clinician.password_hash
    monkeypatch.setattr(transaction, "commits", lambda response: False)  # a view that forgets
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert db.session.get(User, clinician.id).password_hash == old_hash


def test_refused_access_to_a_case_is_audited_without_patient_data(client, login, make_user, create_case):
    outsider = make_user(roles={"paediatric": ["member"]})
    case = create_case()
    login(outsider)
    assert client.get(f"/cases/{case.id}").status_code == 404
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access.refused"))
    assert event.user_id == outsider.id
    assert event.details == {"status": 404, "object": "Case", "id": case.id, "need": "view"}


@pytest.fixture
def durability_client(database_url):
    """A second app on the test database whose pages read or change, and the durability each
    commit was made with ("synced": it returned once the rows were on the disk)."""
    probe = create_app(app_config(database_url))

    @probe.get("/probe-view")
    def view():
        audit.record_read("probe.view")
        return "shown"

    @probe.route("/probe-change", methods=["GET", "POST"])
    def change():
        db.session.add(AuditEvent(action=f"probe.change.{request.method}"))
        audit.record_read("probe.view.with.change")
        db.session.flush()
        return "changed"

    commits: list[str] = []

    def at_commit(conn):
        raw = conn.connection.driver_connection
        if conn.dialect.name == "sqlite":
            synced = raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        else:
            synced = raw.execute("SHOW synchronous_commit").fetchone()[0] == "on"
        commits.append("synced" if synced else "not synced")

    with probe.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", at_commit)
    probe.test_client_class = FlaskClient
    yield probe.test_client(), commits
    sa.event.remove(engine, "commit", at_commit)
    engine.dispose()


def test_a_page_view_commits_its_audit_rows_without_waiting_for_the_disk_and_every_change_waits(durability_client):
    client, commits = durability_client
    assert client.get("/probe-view").status_code == 200
    assert commits == ["not synced"]
    assert "probe.view" in _actions()  # committed all the same: another connection reads it

    commits.clear()
    client.post("/probe-change")
    client.get("/probe-change")  # a change made by a GET waits as well
    client.get("/probe-view")  # and the connection it used was reset for the next view
    assert commits == ["synced", "synced", "not synced"]
    assert {"probe.change.POST", "probe.change.GET", "probe.view.with.change"} <= _actions()
