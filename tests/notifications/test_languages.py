"""Each e-mail is written in its recipient's language (chosen on their account), whoever
caused it and whatever language they work in; without a choice, the site's default."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from mtb.extensions import db
from mtb.meetings import lifecycle
from mtb.meetings import services as meetings
from mtb.notifications.models import OutboxMessage


def _mail_to(user) -> OutboxMessage:
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient_id == user.id))


def test_an_agenda_published_in_english_reaches_a_french_member_in_french(
        client, login, create_meeting, create_case, secretary, member):
    member.locale, secretary.locale = "fr", "en"
    meeting = create_meeting()
    case = create_case()
    meetings.add_case(meeting, case.id, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/publish", data={"version": meeting.agenda_version},
                           headers={"Accept-Language": "en"})
    assert response.status_code in (200, 302, 303)
    french, english = _mail_to(member), _mail_to(secretary)
    assert french.subject.startswith("[MTB] Ordre du jour de la réunion")
    assert "Choisissez les e-mails que vous recevez" in french.body
    assert english.subject.startswith("[MTB] Agenda of the") and "Choose which e-mails you receive" in english.body
    # The date too: French day names for the French reader.
    weekday_fr = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
    assert any(day in french.subject for day in weekday_fr)
    assert not any(day in english.subject for day in weekday_fr)


def test_a_french_secretary_cancelling_tells_an_english_submitter_in_english(
        create_meeting, create_case, secretary, member, request_ctx):
    secretary.locale, member.locale = "fr", None
    meeting = create_meeting()
    case = create_case()
    case.submitter.locale = "en"
    meetings.add_case(meeting, case.id, secretary, meeting.agenda_version)
    with force_locale("fr"):
        lifecycle.cancel_meeting(meeting, secretary, "Salle indisponible.")
    db.session.flush()
    assert "meeting cancelled, case back in the pool" in _mail_to(case.submitter).subject
    assert "cancelled" in _mail_to(member).subject  # no choice: the site's default, English
    assert "annulée" in _mail_to(secretary).subject
