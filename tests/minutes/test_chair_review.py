"""The chair's work in one place: the drafts waiting for validation on the home page, one
page that shows them all and validates them at once, a preview of the minutes before
signing, the signature in its own card; the deferral reason in the minutes; a decisions
page that lists and searches every decision."""

from __future__ import annotations

import io
import re
from html import unescape

import sqlalchemy as sa
from pypdf import PdfReader

from mtb.decisions import services as decisions
from mtb.decisions.attendance import declare_conflict, record_attendance
from mtb.decisions.models import Decision, DecisionStatus
from mtb.decisions.queries import latest_decision
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services
from mtb.minutes.models import MinutesVersion
from tests.decisions.helpers import targeted
from tests.minutes.test_minutes import _decided_meeting, _published


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _closed_with_drafts(team, started_meeting):
    """Two drafts recorded by the secretary, a third case deferred with a reason; closed."""
    meeting = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=3)
    first, second, third = meeting.items
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(first, team["secretary"], "EGFR L858R: osimertinib.", [targeted(first.case)])
    decisions.save_draft(second, team["secretary"], "Second case: sotorasib.",
                         [targeted(second.case, drug="Sotorasib", escat_tier="I-B")])
    decisions.defer_item(third, team["secretary"], "Waiting for the liver biopsy result")
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    return meeting


def test_home_page_lists_what_waits_for_the_chairs_validation(client, login, team, started_meeting):
    meeting = _closed_with_drafts(team, started_meeting)
    login(team["chair"])
    html = client.get("/").get_data(as_text=True)
    assert "Waiting for my validation" in html and "2 draft decisions" in html
    assert f'href="/meetings/{meeting.id}/review"' in html
    client.post("/logout")
    login(team["member"])  # not a chair: no such panel
    assert "Waiting for my validation" not in client.get("/").get_data(as_text=True)


def test_the_chair_reads_every_draft_on_one_page_and_validates_them_all_at_once(client, login, team, started_meeting):
    meeting = _closed_with_drafts(team, started_meeting)
    login(team["chair"])
    html = client.get(f"/meetings/{meeting.id}/review").get_data(as_text=True)
    assert "EGFR L858R: osimertinib." in html and "Second case: sotorasib." in html
    assert "Waiting for the liver biopsy result" in html and "Validate all 2 drafts" in html
    response = client.post(f"/meetings/{meeting.id}/review/validate-all")
    assert response.status_code == 302
    statuses = set(db.session.scalars(sa.select(Decision.status)))
    assert statuses == {DecisionStatus.VALIDATED}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 decisions validated and locked." in html
    assert "Waiting for my validation" not in client.get("/").get_data(as_text=True)


def test_only_a_chair_validates_them_all(client, login, team, started_meeting):
    meeting = _closed_with_drafts(team, started_meeting)
    login(team["secretary"])
    assert client.get(f"/meetings/{meeting.id}/review").status_code == 200  # reads them
    assert client.post(f"/meetings/{meeting.id}/review/validate-all").status_code == 403
    client.post("/logout")
    login(team["member"])
    assert client.get(f"/meetings/{meeting.id}/review").status_code == 403
    assert set(db.session.scalars(sa.select(Decision.status))) == {DecisionStatus.DRAFT}


def test_the_preview_shows_the_minutes_marked_preview_and_stores_nothing(client, login, team, started_meeting):
    meeting = _closed_with_drafts(team, started_meeting)
    login(team["chair"])
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    # The signature has its own card, with the preview beside the button.
    card = html[html.index('aria-labelledby="h-signature"'):]
    card = card[:card.index("</section>")]
    assert "Preview the minutes" in card and "Sign the minutes as chair" in card
    response = client.get(f"/meetings/{meeting.id}/minutes/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    text = _text(response.data)
    assert "PREVIEW" in text and "not signed" in text
    assert "Preview: not signed yet." in " ".join(text.split()) and "were signed electronically" not in text
    assert "EGFR L858R: osimertinib." in text and "Second case: sotorasib." in text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MinutesVersion)) == 0
    assert set(db.session.scalars(sa.select(Decision.status))) == {DecisionStatus.DRAFT}
    assert db.session.get(type(meeting), meeting.id).is_closed


def test_a_deferred_case_shows_its_reason_in_the_signed_minutes(team, started_meeting):
    meeting = _closed_with_drafts(team, started_meeting)
    version = services.sign(meeting, team["chair"], notify=False)
    assert "Waiting for the liver biopsy result" in _text(version.pdf)


def test_a_minutes_version_says_why_it_exists_in_the_readers_language(client, login, team, started_meeting):
    meeting = _decided_meeting(team, started_meeting)
    _published(meeting, team["chair"])
    login(team["member"])
    client.post("/account/language", data={"locale": "fr", "next": "/"})
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Signé par le président" in html and "Signed by the chair" not in html


def test_the_decisions_page_lists_each_decision_and_finds_them_by_drug_or_reference(client, login, team, started_meeting):
    first = _decided_meeting(team, started_meeting)
    _published(first, team["chair"])
    second = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=1)
    item = second.items[0]
    decisions.save_draft(item, team["secretary"], "KRAS G12C.", [targeted(item.case, drug="Sotorasib", escat_tier="I-B")])
    second.status = MeetingStatus.CLOSED
    db.session.commit()
    _published(second, team["chair"])
    login(team["member"])
    html = client.get("/decisions").get_data(as_text=True)
    for d in db.session.scalars(sa.select(Decision)):
        assert d.case.reference in html
    assert "Osimertinib" in html and "Sotorasib" in html and "I-A" in html and "Lung adenocarcinoma" in html
    # The hashes are on a details line, folded away.
    assert re.search(r"<details class=\"hashes\">.*?" + "b" * 64, html, re.S)
    found = client.get("/decisions?q=sotorasib").get_data(as_text=True)
    assert item.case.reference in found and "Osimertinib" not in found
    assert "No signed decision matches" in client.get("/decisions?q=imatinib").get_data(as_text=True)
    assert client.get("/decisions?q=%25_%5C").status_code == 200


def test_a_chair_recused_on_a_case_leaves_its_draft_to_another_chair_and_signs_once_it_is_validated(
        client, login, team, started_meeting, make_user):
    meeting = _closed_with_drafts(team, started_meeting)
    first, second, _third = meeting.items
    declare_conflict(second, team["secretary"], team["chair"].id, "Investigator of the sotorasib trial")
    deputy = make_user("deputy@example.org", {"thoracic": ["chair"]}, name="Dr Hugo Deputy")
    db.session.commit()
    login(team["chair"])
    html = unescape(client.get(f"/meetings/{meeting.id}/review").get_data(as_text=True))
    assert "Validate the draft" in html and "You are recused on this case" in html
    page = unescape(client.post(f"/meetings/{meeting.id}/review/validate-all", follow_redirects=True)
                    .get_data(as_text=True))
    assert "1 decision validated and locked." in page
    assert f"Left for another chair of the board, as you are recused on these cases (conflict of interest): " \
           f"{second.case.reference}." in page
    left = latest_decision(second)
    assert latest_decision(first).is_validated and left.is_draft

    # The preview does not show the draft as validated by the recused chair, and says why.
    text = " ".join(_text(client.get(f"/meetings/{meeting.id}/minutes/preview.pdf").data).split())
    assert text.count(f"Validated by {team['chair'].full_name}") == 1  # the first case's, validated above
    assert text.count("Not validated yet: the signing chair is recused on this case") == 1

    # Signing would validate it in the recused chair's name: refused, saying why.
    page = unescape(client.post(f"/meetings/{meeting.id}/minutes/sign", follow_redirects=True).get_data(as_text=True))
    assert f"You are recused on {second.case.reference} (conflict of interest)" in page
    assert meeting.status is MeetingStatus.CLOSED and left.is_draft

    decisions.validate(left, deputy)
    db.session.commit()
    assert client.post(f"/meetings/{meeting.id}/minutes/sign").status_code == 302
    db.session.expire_all()
    assert meeting.is_signed
    # Its letter is signed by the chair who validated it, not by the recused one.
    assert "signed electronically by Dr Hugo Deputy" in " ".join(_text(left.letter.pdf).split())
