"""The case timeline reads in the reader's language: the system's sentences ("Agenda of …",
"Removed from the agenda of …") are stored as codes and times and worded when shown, with
the date in the reader's format, whoever acted and in whatever language."""

from __future__ import annotations

import html
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_migrate import downgrade, upgrade

from mtb.cases.models import CaseEvent
from mtb.extensions import db


def _timeline(client, case) -> str:
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    return page[page.index('class="timeline'):]


def test_a_french_secretarys_agenda_change_reads_in_english_for_an_english_clinician(
        client, login, secretary, clinician, create_meeting, create_case):
    meeting = create_meeting(starts_at=datetime(2026, 12, 7, 13, 0))  # 14:00 in Paris
    case = create_case(submitter=clinician)
    secretary.locale = "fr"
    db.session.commit()
    login(secretary)
    assert client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"add:{case.id}"}).status_code == 302
    db.session.refresh(meeting)
    assert client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"remove:{meeting.items[0].id}"}).status_code == 302
    french = _timeline(client, case)
    assert "Ordre du jour du lun. 7 déc. 2026, 14:00" in french
    assert "Retiré de l'ordre du jour du lun. 7 déc. 2026, 14:00" in french

    client.post("/logout")
    clinician.locale = "en"
    db.session.commit()
    login(clinician)
    english = _timeline(client, case)
    assert "Agenda of Mon 7 Dec 2026, 14:00" in english
    assert "Removed from the agenda of Mon 7 Dec 2026, 14:00" in english
    assert "déc." not in english and "Ordre du jour" not in english


def test_a_typed_note_is_shown_as_typed(client, login, clinician, create_case):
    case = create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/withdraw", data={"reason": "Started treatment elsewhere"})
    assert "Started treatment elsewhere" in _timeline(client, case)


def test_the_migration_turns_stored_fixed_sentences_into_codes(scratch_database):
    upgrade(revision="h0merge03")
    with scratch_database.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for i, note in enumerate(["Deferral undone", "Report annulé", "Agenda of Mon 7 Dec 2026, 14:00",
                                  "Started treatment elsewhere"], start=1):
            conn.execute(sa.text("INSERT INTO case_events (id, case_id, at, kind, note) "
                                 "VALUES (:i, 1, '2026-12-01', 'scheduled', :note)"), {"i": i, "note": note})
    upgrade(revision="h1cases06")
    with current_app.test_request_context():  # the scratch database's app
        events = {e.id: e for e in db.session.scalars(sa.select(CaseEvent))}
        assert events[1].details == {"say": "deferral_undone"} and events[1].note is None
        assert events[2].note_text == "Deferral undone"
        assert events[3].details is None and events[3].note_text == "Agenda of Mon 7 Dec 2026, 14:00"
        assert events[4].note_text == "Started treatment elsewhere"
    db.session.remove()
    with scratch_database.begin() as conn:
        conn.exec_driver_sql("DELETE FROM case_events")  # they name no case: the copy would refuse them
    downgrade(revision="h0merge03")
