"""What a referring clinician found in the demo: typing kept on the follow-up form, the
oldest follow-ups due shown first, the toxicity and the stop on the case page, dates in
messages in the reader's language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from mtb.db import utcnow
from mtb.decisions.models import RecommendationKind
from mtb.extensions import db
from mtb.formatting import to_local
from mtb.outcomes.models import FollowUp
from tests.outcomes.helpers import decide, meeting_on

#: Every followed kind: five follow-ups due per decision.
FIVE_KINDS = (RecommendationKind.TARGETED_THERAPY, RecommendationKind.CLINICAL_TRIAL,
              RecommendationKind.STANDARD_OF_CARE, RecommendationKind.FURTHER_TESTING,
              RecommendationKind.GERMLINE_COUNSELLING)
OVERDUE_BADGE = '<span class="badge badge-warn">overdue</span>'


@pytest.fixture
def decided(app, create_case, clinician):
    """A thoracic case of the clinician, decided 100 days ago (its 3-month follow-up is due)."""
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    decision = decide(create_case(status="scheduled", submitter=clinician), meeting)
    db.session.commit()
    return decision


def _url(decision, months=3):
    return f"/outcomes/recommendations/{decision.recommendations[0].id}/follow-up/{months}"


def _day(decision, days: int):
    return (decision.validated_at + timedelta(days=days)).date()


def _decided_on(decision):
    return to_local(decision.validated_at, "Europe/Paris").date()


# 1. Typing on the follow-up form survives an ended session.

def test_the_follow_up_form_is_kept_when_the_session_ends(client, login, clinician, decided):
    login(clinician)
    form = re.search(r"<form [^>]*follow-up-form[^>]*>", client.get(_url(decided)).get_data(as_text=True)).group(0)
    assert 'data-unsaved-warning="This follow-up has changes that are not saved yet."' in form
    assert "data-unsaved-initial" not in form
    # Shown again with its errors: what it holds is not saved yet.
    refused = client.post(_url(decided), data={"implemented": "yes"})
    assert refused.status_code == 422
    form = re.search(r"<form [^>]*follow-up-form[^>]*>", refused.get_data(as_text=True)).group(0)
    assert "data-unsaved-warning=" in form and "data-unsaved-initial" in form


# 2. The oldest follow-ups due come first, overdue ones say so, and the rest are counted.

@pytest.fixture
def many_due(app, create_case, clinician):
    """One case decided 300 days ago (its 3- and 6-month follow-ups long overdue) and five
    decided 100 days ago with five recommendations each: 27 follow-ups due."""
    old_meeting = meeting_on("thoracic", (utcnow() - timedelta(days=300)).replace(microsecond=0))
    old = decide(create_case(status="scheduled", submitter=clinician), old_meeting)
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    recent = [decide(create_case(status="scheduled", submitter=clinician), meeting, kinds=FIVE_KINDS)
              for _ in range(5)]
    db.session.commit()
    return old, recent


def test_the_home_page_shows_the_most_overdue_follow_ups_first(client, login, clinician, many_due):
    old, _recent = many_due
    login(clinician)
    home = client.get("/").get_data(as_text=True)
    panel = home[home.index('id="h-home-follow-ups"'):]
    panel = panel[:panel.index("</section>")]
    items = re.findall(r"<li>.*?</li>", panel, re.DOTALL)
    assert len(items) == 20
    # The oldest first: the old case's 3-month follow-up, then its 6-month one, both overdue.
    assert old.case.reference in items[0] and "3-month follow-up" in items[0] and OVERDUE_BADGE in items[0]
    assert old.case.reference in items[1] and "6-month follow-up" in items[1] and OVERDUE_BADGE in items[1]
    # Reached ten days ago: due, not overdue.
    assert all(OVERDUE_BADGE not in item for item in items[2:])
    assert "7 more are due: they appear here as these are recorded, or open their cases to record them." in panel
    assert "most recent are shown" not in panel


def test_the_boards_list_shows_the_longest_waiting_first(client, login, secretary, many_due):
    old, _recent = many_due
    login(secretary)
    html = client.get("/outcomes/boards/thoracic/follow-ups").get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", html, re.DOTALL)
    assert len(rows) == 27
    assert old.case.reference in rows[0] and OVERDUE_BADGE in rows[0]
    assert "the longest waiting first" in html and "newest first" not in html


def test_the_case_page_marks_an_overdue_milestone(client, login, clinician, many_due):
    old, recent = many_due
    login(clinician)
    html = client.get(f"/cases/{old.case_id}").get_data(as_text=True)
    table = html[html.index('id="h-follow-up"'):]
    table = table[:table.index("</table>")]
    assert table.count(OVERDUE_BADGE) == 2  # 3 and 6 months; 12 months is not yet due
    html = client.get(f"/cases/{recent[0].case_id}").get_data(as_text=True)
    table = html[html.index('id="h-follow-up"'):]
    assert OVERDUE_BADGE not in table[:table.index("</table>")]


# 3. The case page shows the serious toxicity, the stop and the reason not implemented.

def test_the_case_page_shows_toxicity_stop_and_reason(client, login, clinician, create_case, decided):
    login(clinician)
    stopped = _day(decided, 40)
    response = client.post(_url(decided), data={
        "implemented": "yes", "drug": "Dabrafenib + trametinib", "started_on": _day(decided, 10).isoformat(),
        "best_response": "PR", "response_on": _day(decided, 30).isoformat(), "serious_toxicity": "y",
        "toxicity_note": "grade 3 pyrexia", "stopped_on": stopped.isoformat(), "stop_reason": "toxicity"})
    assert response.status_code == 302
    html = client.get(f"/cases/{decided.case_id}").get_data(as_text=True)
    table = html[html.index('id="h-follow-up"'):]
    table = table[:table.index("</table>")]
    assert "Dabrafenib + trametinib · Partial response (PR)" in table
    assert '<span class="badge badge-bad">Serious toxicity</span> grade 3 pyrexia' in table
    assert f"Stopped {format_date(stopped, 'd MMM yyyy', locale='en')}: toxicity" in table
    assert stopped.isoformat() not in table

    # Not implemented: its reason, in words for "other".
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    other = decide(create_case(status="scheduled", submitter=clinician), meeting)
    db.session.commit()
    assert client.post(_url(other), data={"implemented": "no", "reason": "other",
                                          "reason_other": "Moved abroad"}).status_code == 302
    html = client.get(f"/cases/{other.case_id}").get_data(as_text=True)
    assert "Other reason: Moved abroad" in html and "Serious toxicity</span>" not in html


# 4. Dates in the follow-up's messages are written as the reader writes them.

@pytest.mark.parametrize("locale", ["en", "fr"])
def test_dates_in_follow_up_messages_are_in_the_readers_language(client, login, clinician, decided, locale):
    clinician.locale = locale
    db.session.commit()
    login(clinician)
    started = _day(decided, 10)
    response = client.post(_url(decided), data={
        "implemented": "yes", "started_on": _day(decided, -3).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    decided_on = _decided_on(decided)
    assert format_date(decided_on, "d MMM yyyy", locale=locale) in html
    assert f"({decided_on.isoformat()})" not in html
    response = client.post(_url(decided), data={
        "implemented": "yes", "started_on": started.isoformat(), "best_response": "SD",
        "response_on": _day(decided, 5).isoformat(), "stopped_on": _day(decided, 8).isoformat(), "stop_reason": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # The response and the stop, each in the summary and next to its field.
    assert html.count(f"({format_date(started, 'd MMM yyyy', locale=locale)})") == 4
    assert f"({started.isoformat()})" not in html


def test_the_date_of_the_follow_up_being_corrected_is_formatted(client, login, clinician, decided):
    clinician.locale = "fr"
    db.session.commit()
    login(clinician)
    assert client.post(_url(decided), data={"implemented": "no", "reason": "death"}).status_code == 302
    recorded = db.session.scalar(sa.select(FollowUp)).recorded_at
    refused = client.post(_url(decided), data={"implemented": "no", "reason": "lost_to_follow_up"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    day = to_local(recorded, "Europe/Paris").date()
    assert format_date(day, "d MMM yyyy", locale="fr") in html and day.isoformat() not in html
