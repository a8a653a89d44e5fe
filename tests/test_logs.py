"""Logs: no tokens, no message bodies, no patient data, no passwords.

One whole journey runs through the test client while every log record is captured (the
root logger at DEBUG, and gunicorn's access log as ``make run`` writes it): a sign-in
(and a wrong one), a case created and submitted with its patient's identity, a search
by the patient's name, the agenda built and published, the private calendar feed read
with its token, a meeting cancelled with a typed reason, a session run to a validated
decision, the minutes signed, the outbox sent with SMTP_URL empty, and two server
errors (one whose message quotes the patient, one on the calendar feed's URL). Then the
captured text is searched for each secret.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from gunicorn.config import Config as GunicornConfig

from mtb.accounts.models import User
from mtb.accounts.throttle import DEVICE_COOKIE
from mtb.cases import services as case_services
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.decisions.queries import latest_decision
from mtb.extensions import db
from mtb.meetings import calendar
from mtb.meetings.models import Meeting
from mtb.notifications.models import OutboxMessage
from mtb.notifications.services import send_due_messages
from mtb.serve import AccessLogger
from tests.decisions.helpers import form_post, targeted
from tests.fixtures.cases import case_form
from tests.fixtures.people import PASSWORD

PATIENT_NAME, PATIENT_GIVEN = "ZYGMUNTOWICZ", "Ottoline"
RECORD_NUMBER = "IPP7733991"
BIRTH_DATE = "1958-11-23"
BIRTH_DATE_SHOWN = ("1958-11-23", "23/11/1958", "23 Nov 1958", "Nov 23, 1958", "23.11.1958")
CANCEL_REASON = "Room flooded, Quetzalcoatl wing closed"
TYPED_PASSWORD_AS_EMAIL = "Hunter2-Sesame!"

#: The access-log format of ``make run`` (mtb/serve.py passes it to gunicorn).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


@pytest.fixture
def access_log(app, monkeypatch):
    """Each request through the test client also goes through gunicorn's access logger as
    ``make run`` configures it (mtb.serve.AccessLogger, the same format)."""
    cfg = GunicornConfig()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = AccessLogger(cfg)
    inner = app.wsgi_app

    def logged(environ, start_response):
        query = environ.get("QUERY_STRING")
        environ.setdefault("RAW_URI", environ.get("PATH_INFO", "") + (f"?{query}" if query else ""))
        started = time.monotonic()
        answer = {}

        def remember(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = b"".join(inner(environ, remember))
        response = SimpleNamespace(status=answer["status"], headers=answer["headers"], sent=len(body))
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=time.monotonic() - started))
        return [body]

    monkeypatch.setattr(app, "wsgi_app", logged)
    yield logger
    for log in (logger.access_log, logger.error_log):
        for handler in list(log.handlers):
            if getattr(handler, "_gunicorn", False):
                log.removeHandler(handler)


@pytest.fixture
def all_logs(caplog, access_log):
    """Every record: the root logger at DEBUG, and gunicorn's access log (it does not propagate)."""
    caplog.set_level(logging.DEBUG)
    access_log.access_log.addHandler(caplog.handler)
    yield caplog
    access_log.access_log.removeHandler(caplog.handler)


def _text(caplog) -> str:
    """The records as a log file would hold them: messages, and tracebacks when attached."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_a_whole_journey_leaves_no_secret_in_the_logs(request, app, client, login, all_logs, make_user, team, create_meeting,
                                                      create_case, monkeypatch):
    caplog = all_logs
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    clinician = make_user("clinician@example.org", {"thoracic": ["clinician"]}, name="Dr Claire Dubois")
    secretary, chair = team["secretary"], team["chair"]
    meeting = create_meeting(starts_in=timedelta(days=2))
    other_meeting = create_meeting(starts_in=timedelta(days=9), cases=[create_case(status="scheduled")])

    # Sign-ins: a password typed into the e-mail field, a wrong password, then the right one.
    client.post("/login", data={"email": TYPED_PASSWORD_AS_EMAIL, "password": PASSWORD})
    client.post("/login", data={"email": clinician.email, "password": PASSWORD + "x"})
    login(clinician)

    # A case with the patient's identity, submitted; the clinician searches by name.
    response = client.post("/boards/thoracic/cases/new", data=case_form(
        action="submit", patient_name=f"{PATIENT_NAME} {PATIENT_GIVEN}", patient_record_number=RECORD_NUMBER,
        patient_birth_date=BIRTH_DATE))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = db.session.scalar(sa.select(Case).where(Case.patient_record_number == RECORD_NUMBER))
    assert client.get(f"/cases/mine?q={PATIENT_NAME}&status=").status_code == 200
    assert client.get(f"/boards/thoracic/cases?q={RECORD_NUMBER}").status_code == 200
    assert client.get(f"/cases/{case.id}").status_code == 200
    client.post("/logout")

    # The secretary builds and publishes the agenda, and cancels another meeting with a reason.
    login(secretary)
    assert client.post(f"/meetings/{meeting.id}/agenda/add",
                       data={"case_id": case.id, "version": meeting.agenda_version}).status_code == 302
    db.session.refresh(meeting)
    assert client.post(f"/meetings/{meeting.id}/agenda/publish",
                       data={"version": meeting.agenda_version}).status_code == 302
    assert client.post(f"/meetings/{other_meeting.id}/cancel", data={"reason": CANCEL_REASON}).status_code == 302

    # The private calendar link is made, then read by a calendar app (no session).
    assert client.post("/account/calendar").status_code == 302
    token = db.session.get(User, secretary.id).calendar_token
    assert token
    with app.test_client() as calendar_app:
        assert calendar_app.get(f"/calendar/{token}.ics").status_code == 200
        # Mistyped by hand (no extension, a trailing slash): a 404, and still no token in the log.
        assert calendar_app.get(f"/calendar/{token}").status_code == 404
        assert calendar_app.get(f"/calendar/{token}.ics/").status_code == 404

    # The meeting's time comes (validating and signing wait for its day); the session runs.
    db.session.get(Meeting, meeting.id).starts_at = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    db.session.commit()
    assert client.post(f"/meetings/{meeting.id}/session/start", data={"start-confirm_early": "y"}).status_code == 302
    assert client.post(f"/meetings/{meeting.id}/attendance", data={
        "present": [str(u.id) for u in (chair, team["member"], team["biologist"])]}).status_code == 302
    db.session.refresh(meeting)
    item = meeting.items[0]
    assert client.post(f"/meetings/{meeting.id}/items/{item.id}/decision",
                       data=form_post("EGFR L858R: osimertinib.", [targeted(case)])).status_code == 302
    client.post("/logout")

    # The chair validates the decision; the secretary closes; the chair signs.
    login(chair)
    decision = latest_decision(item)
    assert client.post(f"/decisions/{decision.id}/validate").status_code == 302
    client.post("/logout")
    login(secretary)
    assert client.post(f"/meetings/{meeting.id}/session/close").status_code == 302
    client.post("/logout")
    login(chair)
    assert client.post(f"/meetings/{meeting.id}/minutes/sign").status_code == 302
    assert db.session.get(Meeting, meeting.id).is_signed

    # Two server errors: one whose message quotes the patient, one on the feed's secret URL.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def leaky(case, *args, **kwargs):
        raise ValueError(f"cannot show {case.patient_name} ({case.patient_record_number}, {case.patient_birth_date})")

    monkeypatch.setattr(case_services, "record_view", leaky)
    assert client.get(f"/cases/{case.id}").status_code == 500

    def broken_feed(user):
        raise RuntimeError(f"feed of {user.calendar_token} failed")

    monkeypatch.setattr(calendar, "feed_for", broken_feed)
    with app.test_client() as calendar_app:
        assert calendar_app.get(f"/calendar/{token}.ics").status_code == 500

    # The outbox is sent with no SMTP server configured: the messages go to the log.
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert any(CANCEL_REASON in m.body for m in messages), "the cancellation reason is in an e-mail"
    report = send_due_messages()
    assert report.sent == len(messages) > 0

    text = _text(caplog)
    # The journey was logged (the access log holds each request, the errors their traceback).
    assert f"/cases/{case.id}" in text and "/calendar/….ics" in text
    assert "Traceback" in text and "ValueError" in text and "RuntimeError" in text
    assert "not sent (SMTP_URL is empty)" in text

    secrets = {
        "calendar token": [token],
        "password": [PASSWORD, TYPED_PASSWORD_AS_EMAIL],
        "patient": [PATIENT_NAME, PATIENT_GIVEN, RECORD_NUMBER, *BIRTH_DATE_SHOWN],
        "typed cancellation reason": [CANCEL_REASON, "Quetzalcoatl"],
        "cookie": [cookie.value for name in ("session", DEVICE_COOKIE) if (cookie := client.get_cookie(name))],
    }
    bodies = []
    for message in messages:
        for line in message.body.splitlines():
            line = line.strip()
            if len(line) > 12 and line not in message.subject:
                bodies.append(line)
    secrets["e-mail body"] = bodies
    found = {kind: [value for value in values if value and value in text] for kind, values in secrets.items()}
    found = {kind: values for kind, values in found.items() if values}
    assert not found, f"in the logs: {found}\n\n{text[:5000]}"
    if request.config.getoption("verbose") > 1:
        print(text)
