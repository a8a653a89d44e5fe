"""The time-stamping service is down: the chair's signature (and a correction's publication)
says so where the chair is, signs nothing, loses nothing, and the attempt is in the trail."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from html import unescape

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.decisions import services as decisions
from mtb.decisions.attendance import record_attendance
from mtb.decisions.queries import latest_decision
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import pdf, services, signing
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.notifications.models import OutboxMessage
from tests.decisions.helpers import targeted

#: Nothing listens on the discard port of the loopback: the connection is refused at once.
UNREACHABLE = "http://127.0.0.1:9/tsr"
SAID = "The time-stamping service that dates each signature could not be reached, so nothing was signed"


@pytest.fixture
def tsa_down(app, monkeypatch):
    def down():
        monkeypatch.setitem(app.config, "SIGNING_TSA_URL", UNREACHABLE)
        monkeypatch.setitem(app.config, "SIGNING_TSA_TIMEOUT_SECONDS", 2)

    def back():
        monkeypatch.setitem(app.config, "SIGNING_TSA_URL", "")

    return down, back


def _closed_meeting(team, started_meeting):
    meeting = started_meeting(n_cases=1, status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "Osimertinib.", [targeted(meeting.items[0].case)])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    return meeting


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_unreachable_time_stamping_service_signs_nothing_and_tells_the_chair(
        client, login, team, started_meeting, tsa_down):
    down, back = tsa_down
    meeting = _closed_meeting(team, started_meeting)
    login(team["chair"])
    down()
    response = client.post(f"/meetings/{meeting.id}/minutes/sign")
    assert response.status_code == 302 and response.location.endswith(f"/meetings/{meeting.id}/minutes")
    page = unescape(client.get(response.location).get_data(as_text=True))
    assert SAID in page and "ask IT" in page and "flash-error" in page
    # Nothing signed, nothing published, the draft still a draft: the chair can sign again.
    db.session.expire_all()
    assert meeting.status is MeetingStatus.CLOSED and latest_decision(meeting.items[0]).is_draft
    assert (_count(MinutesVersion), _count(DecisionLetter), _count(OutboxMessage)) == (0, 0, 0)
    [failed] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.sign_failed")).all()
    assert failed.user_id == team["chair"].id and failed.object_id == meeting.id
    assert failed.details["reason"] == "time-stamping service unavailable"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "minutes.sign")) is None

    back()
    assert client.post(f"/meetings/{meeting.id}/minutes/sign").status_code == 302
    db.session.expire_all()
    assert meeting.is_signed and _count(MinutesVersion) == 1 and _count(DecisionLetter) == 1


def test_a_correction_is_not_published_while_the_time_stamping_service_is_unreachable(
        client, login, team, started_meeting, tsa_down):
    down, back = tsa_down
    meeting = _closed_meeting(team, started_meeting)
    services.sign(meeting, team["chair"], notify=False)
    item = meeting.items[0]
    correction = decisions.correct(latest_decision(item), team["chair"], "Osimertinib, then re-biopsy.",
                                   [targeted(item.case)], "Re-biopsy forgotten")
    db.session.commit()
    login(team["chair"])
    down()
    response = client.post(f"/decisions/{correction.id}/validate", data={"row_version": correction.row_version},
                           follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and SAID in page
    db.session.expire_all()
    assert latest_decision(item).id == correction.id and correction.is_draft  # kept, to validate again
    assert _count(MinutesVersion) == 1 and _count(DecisionLetter) == 1
    [failed] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.correct_failed")).all()
    assert failed.details["case"] == item.case.reference and failed.user_id == team["chair"].id

    back()
    client.post(f"/decisions/{correction.id}/validate", data={"row_version": correction.row_version})
    db.session.expire_all()
    assert correction.is_published and _count(MinutesVersion) == 2


def test_the_error_is_caught_without_loading_pyhanko(tmp_path):
    """pyHanko loads at the first signature: a worker that only catches the error does without it."""
    script = textwrap.dedent("""
        import sys
        from mtb import create_app
        from mtb.errors import ServiceUnavailable
        from mtb.minutes.signing import TimestampUnavailable
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
        assert issubclass(TimestampUnavailable, ServiceUnavailable)
        print(any(name.split(".")[0] == "pyhanko" for name in sys.modules))
    """)
    env = {**os.environ, "MTB_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_sign_pdf_raises_the_domain_error_when_the_time_stamping_service_is_unreachable(app, monkeypatch, request_ctx):
    page = pdf.html_to_pdf('<!doctype html><html lang="en"><head><title>T</title></head><body><p>Text</p></body></html>')
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", UNREACHABLE)
    with pytest.raises(signing.TimestampUnavailable, match="nothing was signed"):
        signing.sign_pdf(page, signing.SignatureRequest(name="Pr Test", reason="test"))
