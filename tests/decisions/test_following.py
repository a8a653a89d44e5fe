"""Members before and during the meeting: they declare their own conflicts of interest from
the agenda page, and follow the running session in a read-only live view; the room's screen
shows the case in a large-type presentation driven by the session page's Previous/Next."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import Urgency
from mtb.decisions import services
from mtb.decisions.attendance import record_attendance
from mtb.decisions.models import Recusal
from mtb.decisions.quorum import quorum_for
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import targeted


def _published_agenda(started_meeting):
    """A meeting in two days whose agenda the members received."""
    meeting = started_meeting(starts_in=timedelta(days=2))
    meeting.agenda_publications = 1
    db.session.commit()
    return meeting


def test_a_member_declares_a_conflict_on_a_case_of_the_published_agenda_and_is_recused(
        client, login, team, started_meeting):
    meeting = _published_agenda(started_meeting)
    first, second = meeting.items
    login(team["biologist"])
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "My conflicts of interest" in html and f'id="own-note-{first.id}"' in html
    response = client.post(f"/meetings/{meeting.id}/items/{first.id}/my-conflict",
                           data={"note": "Co-investigator of the proposed trial"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#my-conflicts")
    recusal = db.session.scalar(sa.select(Recusal))
    assert (recusal.user_id, recusal.agenda_item_id, recusal.is_self_declared) == (team["biologist"].id, first.id, True)
    assert "recused" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)

    # In session, the biologist does not count for that case's quorum (molecular biology missing).
    meeting.status = MeetingStatus.IN_SESSION
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    db.session.commit()
    assert not quorum_for(meeting, first).met and quorum_for(meeting, second).met
    client.post("/logout")
    login(team["secretary"])
    session = client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True)
    assert "Co-investigator of the proposed trial" in session and "declared by the member" in session

    client.post("/logout")
    login(team["biologist"])
    assert client.post(f"/meetings/{meeting.id}/items/{first.id}/my-conflict/withdraw").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recusal)) == 0


def test_only_members_declare_their_own_conflicts_and_not_once_the_meeting_is_over(
        client, login, team, started_meeting, clinician):
    meeting = _published_agenda(started_meeting)
    item = meeting.items[0]
    login(clinician)  # a clinician of the board: no declaration to make
    assert "My conflicts of interest" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert client.post(f"/meetings/{meeting.id}/items/{item.id}/my-conflict").status_code == 403
    client.post("/logout")
    meeting.status = MeetingStatus.CLOSED
    db.session.commit()
    login(team["member"])
    assert client.post(f"/meetings/{meeting.id}/items/{item.id}/my-conflict").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recusal)) == 0


def test_the_live_view_follows_the_case_the_session_page_shows(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    services.save_draft(second, team["secretary"], "MET amplification: savolitinib.", [targeted(second.case)])
    db.session.commit()
    login(team["member"])
    state = client.get(f"/meetings/{meeting.id}/live.json").get_json()
    assert state["item"] == first.id
    html = client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    assert first.case.clinical_question in html and "No decision recorded yet." in html
    assert 'data-live-poll=' in html

    client.post("/logout")
    login(team["secretary"])
    # Looking at a case (a chair back from validating an earlier one) does not move the room...
    client.get(f"/meetings/{meeting.id}/session?item={second.id}")
    assert client.get(f"/meetings/{meeting.id}/live.json").get_json()["item"] == first.id
    # ...Previous, Next and the case list do.
    session_page = client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True)
    assert f'/meetings/{meeting.id}/session?item={second.id}&amp;move=1#case-title" rel="next"' in session_page
    client.get(f"/meetings/{meeting.id}/session?item={second.id}&move=1")  # Next
    client.post("/logout")
    login(team["member"])
    moved = client.get(f"/meetings/{meeting.id}/live.json").get_json()
    assert moved["item"] == second.id and moved["stamp"] != state["stamp"]
    html = client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    assert "MET amplification: savolitinib." in html  # the draft, for the board's members
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.live_view")) is not None


def test_the_live_view_and_presentation_show_no_case_before_the_agenda_is_published(client, login, team,
                                                                                      create_meeting, make_user):
    """The meeting page says "Agenda not yet published" to the board: its live view and
    presentation do not show the agenda being built either (nor record a read)."""
    meeting = create_meeting(starts_in=timedelta(days=2), status=MeetingStatus.SCHEDULED, n_cases=2)
    references = [item.case.reference for item in meeting.items]
    colleague = make_user("colleague@example.org", {"thoracic": ["clinician"]})
    db.session.commit()
    for viewer in (team["member"], colleague):
        client.post("/logout")
        login(viewer)
        for page in ("live", f"present?item={meeting.items[1].id}"):
            html = client.get(f"/meetings/{meeting.id}/{page}").get_data(as_text=True)
            assert "The agenda is not yet published" in html, page
            assert not any(reference in html for reference in references), page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.live_view")) is None
    client.post("/logout")
    login(team["secretary"])  # who builds it sees it
    assert references[0] in client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    meeting.agenda_publications = 1
    db.session.commit()
    client.post("/logout")
    login(team["member"])
    assert references[0] in client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)


def test_a_link_on_another_site_does_not_move_the_room(client, login, team, started_meeting):
    """The session page and the presentation move the room on a GET: only when the browser
    comes from MTB's own pages (Sec-Fetch-Site), not from a link or image elsewhere."""
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items[0], meeting.items[1]
    login(team["chair"])
    client.get(f"/meetings/{meeting.id}/session?item={first.id}&move=1")
    for url in (f"/meetings/{meeting.id}/present?item={second.id}", f"/meetings/{meeting.id}/session?item={second.id}&move=1"):
        client.get(url, headers={"Sec-Fetch-Site": "cross-site"})
        assert client.get(f"/meetings/{meeting.id}/live.json").get_json()["item"] == first.id, url
    client.get(f"/meetings/{meeting.id}/present?item={second.id}", headers={"Sec-Fetch-Site": "same-origin"})
    assert client.get(f"/meetings/{meeting.id}/live.json").get_json()["item"] == second.id


def test_the_live_view_hides_a_draft_from_a_clinician_of_the_board(client, login, team, started_meeting, make_user):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first = meeting.items[0]
    services.save_draft(first, team["secretary"], "Draft text of the board.", [targeted(first.case)])
    colleague = make_user("colleague@example.org", {"thoracic": ["clinician"]})
    db.session.commit()
    login(colleague)
    html = client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    assert "Draft text of the board." not in html


def test_the_room_screens_print_a_findings_numbers_as_the_case_page_does(client, login, team, started_meeting, create_case):
    """A ctDNA VAF of 0.04 % was rounded to "0.0 %" on the screens the board reads from."""
    from decimal import Decimal

    case = create_case(status="scheduled", biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2369C>T", "hgvs_p": "p.Thr790Met", "vaf": Decimal("0.04")},
        {"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": Decimal("12.50")}])
    meeting = started_meeting(status=MeetingStatus.IN_SESSION, cases=[case])
    login(team["secretary"])
    for screen in ("present", "live"):
        html = client.get(f"/meetings/{meeting.id}/{screen}").get_data(as_text=True)
        assert '<td class="num">0.04 %</td>' in html and '<td class="num">12.5</td>' in html, screen
        assert "0.0 %" not in html


def test_the_presentation_shows_the_case_in_large_type_and_its_arrows_move_the_session(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/present").get_data(as_text=True)
    assert "present.css" in html and first.case.reference in html and first.case.clinical_question in html
    assert f'data-next="/meetings/{meeting.id}/present?item={second.id}"' in html
    client.get(f"/meetings/{meeting.id}/present?item={second.id}")
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).current_item_id == second.id


@pytest.mark.browser
def test_the_presentation_follows_next_on_the_session_page_and_answers_the_keyboard(
        page, browser, live_server, browser_login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session?item={first.id}")
    screen = page.context.new_page()  # the room's screen, same secretary
    screen.goto(f"/meetings/{meeting.id}/present")
    screen.get_by_role("heading", name=first.case.reference).wait_for()
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(f"**item={second.id}&move=1#case-title")
    screen.get_by_role("heading", name=second.case.reference).wait_for(timeout=9000)  # polled within seconds
    # The keys are answered once the page's deferred script has run (a heading shows before it).
    screen.wait_for_load_state("domcontentloaded")
    screen.keyboard.press("ArrowLeft")
    screen.get_by_role("heading", name=first.case.reference).wait_for()
    screen.wait_for_load_state("domcontentloaded")
    screen.keyboard.press("Escape")
    screen.wait_for_url(f"**/meetings/{meeting.id}/session?item={first.id}")


@pytest.mark.browser
def test_the_rooms_screen_goes_to_the_sign_in_when_its_session_ends_and_comes_back_after(
        page, browser, live_server, browser_login, team, started_meeting):
    """A screen left polling after its session ended would go on showing a stale case:
    it goes to the sign-in page (and back to the presentation after signing in)."""
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first = meeting.items[0]
    browser_login(page, "secretary@example.org")
    screen = page.context.new_page()
    screen.goto(f"/meetings/{meeting.id}/present")
    screen.get_by_role("heading", name=first.case.reference).wait_for()
    page.goto("/")
    page.get_by_role("button", name="Log out").click()  # ends every session of the account
    screen.wait_for_url("**/login?next=*present*", timeout=12000)
    screen.get_by_text("Please sign in to see this page.").wait_for()


def test_the_live_view_and_presentation_mark_an_urgent_case(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, _second = meeting.items
    first.case.urgency = Urgency.URGENT
    db.session.commit()
    login(team["member"])
    live = client.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    heading = live.split('id="live-case"', 1)[1].split("</h2>", 1)[0]
    assert 'badge-urgent">urgent' in heading
    chips = live.split('class="item-list"', 1)[1].split("</ol>", 1)[0]
    assert chips.count('badge-urgent">urgent') == 1  # the first case's chip only
    present = client.get(f"/meetings/{meeting.id}/present").get_data(as_text=True)
    assert 'badge-urgent">urgent' in present.split("<h1>", 1)[1].split("</h1>", 1)[0]
