"""The agenda builder's rows and pool cases are kept per worker between views
(mtb.fragments, keyed by all a row prints): whatever changes a row shows on the next view."""

from __future__ import annotations

from mtb.accounts.models import User
from mtb.cases.models import Case
from mtb.extensions import db
from mtb.meetings import services
from tests.meetings.test_agenda_typing import _agenda


def _rows(html: str) -> str:
    return html[html.index('id="agenda"'):]


def _pool(html: str) -> str:
    return html[html.index('id="pool"'):html.index('id="agenda"')]


def test_a_moved_row_shows_its_new_place_time_and_buttons(client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    first, second, third = meeting.items
    login(secretary)
    before = _rows(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))
    assert f'id="up-{first.id}" class="small icon" disabled' in before
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"up:{second.id}",
        f"minutes-{first.id}": "10", f"minutes-{second.id}": "30", f"minutes-{third.id}": "10",
    })
    assert response.status_code == 302
    after = _rows(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))
    assert after.index(b.reference) < after.index(a.reference) < after.index(c.reference)
    assert f'id="up-{second.id}" class="small icon" disabled' in after
    assert f'id="up-{first.id}" class="small icon" disabled' not in after
    assert f'name="minutes-{second.id}" min="1" max="240" value="30"' in after


def test_a_case_edited_or_a_submitter_renamed_shows_in_the_rows(client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    waiting = create_case(diagnosis="Lung adenocarcinoma, waiting")
    login(secretary)
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Lung adenocarcinoma, waiting" in _pool(page)
    for case, diagnosis in ((a, "Pleural mesothelioma"), (waiting, "Thymic carcinoma, waiting")):
        db.session.get(Case, case.id).diagnosis = diagnosis
    submitter = db.session.get(User, b.submitter_id)
    submitter.full_name = "Dr Renamed Referrer"
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Pleural mesothelioma" in _rows(page)
    assert "Thymic carcinoma, waiting" in _pool(page) and "Lung adenocarcinoma, waiting" not in page
    assert "Submitter (Dr Renamed Referrer)" in _rows(page)


def test_a_case_added_from_the_pool_leaves_it_and_the_last_row_loses_its_disabled_button(
        client, login, secretary, create_meeting, create_case):
    meeting, _ = _agenda(create_meeting, create_case, secretary, n=2)
    waiting = create_case()
    last = meeting.items[-1]
    login(secretary)
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert waiting.reference in _pool(page) and f'id="down-{last.id}" class="small icon" disabled' in page
    services.add_case(meeting, waiting.id, secretary, meeting.agenda_version)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert waiting.reference not in _pool(page) and waiting.reference in _rows(page)
    assert f'id="down-{last.id}" class="small icon" disabled' not in page


def test_french_readers_get_french_rows(client, login, secretary, create_meeting, create_case):
    meeting, _ = _agenda(create_meeting, create_case, secretary, n=1)
    login(secretary)
    assert "Minutes allotted" in client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    user = db.session.get(User, secretary.id)
    user.locale = "fr"
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Minutes allotted" not in page


def test_a_presenter_added_to_the_board_is_offered_on_the_next_view(client, login, secretary, create_meeting,
                                                                   create_case, make_user):
    meeting, _ = _agenda(create_meeting, create_case, secretary, n=1)
    login(secretary)
    page = f"/meetings/{meeting.id}/agenda"
    assert "Dr Nouveau Présentateur" not in client.get(page).get_data(as_text=True)
    newcomer = make_user("newcomer@example.org", {"thoracic": ["member"]}, name="Dr Nouveau Présentateur")
    db.session.commit()
    options = client.get(page).get_data(as_text=True).split('<template id="presenter-options">', 1)[1]
    assert f'<option value="{newcomer.id}">Dr Nouveau Présentateur</option>' in options.split("</template>", 1)[0]
