"""Forms that act once: a submission sent again (a double click, a retry after a lost
connection) gets the first answer, never a duplicate and never an error."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask.testing import FlaskClient

from mtb.audit.models import AuditEvent
from mtb.cases.models import Case
from mtb.decisions import services as decisions
from mtb.decisions.models import DecisionStatus
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes.models import MinutesVersion
from tests.decisions.helpers import targeted
from tests.fixtures.cases import case_form
from tests.fixtures.people import PASSWORD


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_case_submitted_again_after_a_lost_answer_is_not_duplicated(client, login, clinician):
    login(clinician)
    data = case_form(action="submit", submission_key=uuid.uuid4().hex)
    first = client.post("/boards/thoracic/cases/new", data=data)
    again = client.post("/boards/thoracic/cases/new", data=data)
    assert first.status_code == 302 and again.status_code == 303
    assert again.location == first.location
    assert _count(Case) == 1
    assert "already saved" in client.get(again.location).get_data(as_text=True)


def test_a_refused_form_sent_again_with_its_key_acts_once_corrected(client, login, clinician):
    login(clinician)
    key = uuid.uuid4().hex
    refused = client.post("/boards/thoracic/cases/new", data=case_form(icd10_code="Z99.99", action="submit",
                                                                        submission_key=key))
    assert refused.status_code == 422
    assert f'value="{key}"' in refused.get_data(as_text=True)  # the form keeps its key
    assert client.post("/boards/thoracic/cases/new", data=case_form(action="submit", submission_key=key)).status_code == 302
    assert _count(Case) == 1


def _parallel(app, user, requests):
    """Send the posts at once from separate browsers signed in as ``user``."""
    email = user.email
    db.session.commit()

    def send(args):
        url, data = args
        with FlaskClient(app, app.response_class) as browser:
            browser.post("/login", data={"email": email, "password": PASSWORD})
            return browser.post(url, data=data).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def test_a_double_click_on_validate_validates_once_without_an_error(app, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = decisions.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    db.session.commit()
    click = (f"/decisions/{decision.id}/validate", {"submission_key": uuid.uuid4().hex, "back": "session"})
    statuses = _parallel(app, team["chair"], [click, click])
    assert all(status in (302, 303) for status in statuses), statuses
    db.session.expire_all()
    assert decision.status is DecisionStatus.VALIDATED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "decision.validate")) == 1


def test_a_double_click_on_sign_signs_once_without_an_error(app, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    for item in meeting.items:
        decisions.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    meeting.status = MeetingStatus.CLOSED
    db.session.commit()
    click = (f"/meetings/{meeting.id}/minutes/sign", {"submission_key": uuid.uuid4().hex})
    statuses = _parallel(app, team["chair"], [click, click])
    assert all(status in (302, 303) for status in statuses), statuses
    assert _count(MinutesVersion) == 1
