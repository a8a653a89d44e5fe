"""The agenda as members receive it on the meeting day: the video-conference link on the
page, in the e-mail and in the calendar event; presenters chosen among the board's
clinicians and members; once the meeting is held, the agenda carries no change marks."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.models import MeetingStatus
from mtb.notifications.models import NotificationKind, OutboxMessage

LINK = "https://visio.example.org/mtb-thoracic"


def test_the_video_link_is_on_the_agenda_in_the_email_and_in_the_calendar_event(
        client, login, secretary, member, create_meeting, create_case):
    meeting = create_meeting(video_link=LINK)
    services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    services.publish_agenda(meeting, secretary, meeting.agenda_version)
    db.session.commit()
    mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == NotificationKind.AGENDA_PUBLISHED)).first()
    assert f"Video call: {LINK}" in mail.body.splitlines()
    login(member)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="{LINK}"' in page and f">{LINK}</a>" in page
    ics = client.get(f"/meetings/{meeting.id}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "CONFERENCE;" in ics and "FEATURE=VIDEO" in ics and LINK in ics
    assert "Video call: " + LINK in ics.replace("\\n", "\n")


def test_presenters_are_the_boards_clinicians_and_members(client, login, secretary, member, create_meeting, create_case, make_user):
    meeting = create_meeting()
    item = services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    other_secretary = make_user("second.secretary@example.org", {"thoracic": ["secretary"]}, name="Zoé Secretary")
    db.session.commit()
    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    # The choice is rendered once for the whole agenda (mtb.js fills each row's list from it).
    assert 'data-options-from="presenter-options"' in html[html.index(f'id="presenter-{item.id}"'):]
    choice = html[html.index('<template id="presenter-options">'):]
    choice = choice[:choice.index("</template>")]
    assert member.full_name in choice and "Zoé Secretary" not in choice
    try:
        services.update_item(meeting, item.id, secretary, meeting.agenda_version, minutes=10,
                             presenter_id=str(other_secretary.id))
    except InvalidInput as error:
        assert "clinicians or members" in error.message
    else:
        raise AssertionError("a secretary was accepted as presenter")


def test_a_held_meetings_agenda_prints_without_change_marks(client, login, secretary, member, create_meeting, create_case):
    meeting = create_meeting()
    first = services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    services.publish_agenda(meeting, secretary, meeting.agenda_version)
    services.update_item(meeting, first.id, secretary, meeting.agenda_version, minutes=25, presenter_id="")
    services.publish_agenda(meeting, secretary, meeting.agenda_version)
    db.session.commit()
    login(member)
    assert ">changed</span>" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    meeting.status = MeetingStatus.SIGNED
    db.session.commit()
    assert ">changed</span>" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
