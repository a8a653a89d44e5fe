"""Scheduled jobs: each slot runs once, reminders go out once, even with two schedulers."""

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from mtb.extensions import db
from mtb.meetings import cadence
from mtb.meetings import services as meetings
from mtb.meetings.models import Meeting, MeetingStatus
from mtb.meetings.reminders import send_reminders
from mtb.notifications.models import NotificationKind, OutboxMessage, OutboxStatus
from mtb.scheduling.models import JobRun
from mtb.scheduling.services import jobs, run_job, slot_for
from tests.fixtures.app import ON_POSTGRES

#: Monday 1 March 2027, 08:00 UTC.
NOW = datetime(2027, 3, 1, 8, 0)


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def reminders(kind):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_a_job_runs_once_per_slot():
    assert run_job("generate_meetings", now=NOW) is True
    assert run_job("generate_meetings", now=NOW + timedelta(minutes=5)) is False  # same hour
    assert count(Meeting) == 8 + 8 + 4  # weekly, weekly, every other week
    assert count(JobRun) == 1 and db.session.scalar(sa.select(JobRun)).finished_at is not None
    assert run_job("generate_meetings", now=NOW + timedelta(hours=1)) is True


def test_slots_follow_the_job_interval():
    job = jobs()["reminders"]
    assert slot_for(job, datetime(2027, 3, 1, 8, 9, 59)) == "2027-03-01T08:00:00"
    assert slot_for(job, datetime(2027, 3, 1, 8, 10, 0)) == "2027-03-01T08:10:00"


def test_unknown_job_is_an_error():
    with pytest.raises(ValueError):
        run_job("nope")


def test_a_failing_job_is_recorded_and_rolled_back(monkeypatch):
    import mtb.meetings.cadence as services

    def broken(now=None):
        db.session.add(Meeting(board_id=1, starts_at=NOW, duration_minutes=1, cutoff_hours=1))
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "generate_all_meetings", broken)
    assert run_job("generate_meetings", now=NOW) is True
    run = db.session.scalar(sa.select(JobRun))
    assert "boom" in run.error and count(Meeting) == 0


def test_cutoff_and_meeting_reminders_go_out_exactly_once(boards, create_case, member, clinician):
    thoracic = boards["thoracic"]
    cadence.generate_meetings(thoracic, NOW)
    draft = create_case(status="draft")
    db.session.commit()
    # Tuesday 9 March 13:00Z: cut-off Sunday 7 March 13:00Z; 48 h before is Friday 5 March 13:00Z.
    run_job("reminders", now=datetime(2027, 3, 5, 12, 0))
    assert reminders(NotificationKind.CUTOFF_REMINDER) == []
    run_job("reminders", now=datetime(2027, 3, 5, 14, 0))
    run_job("reminders", now=datetime(2027, 3, 6, 9, 0))
    [cutoff] = reminders(NotificationKind.CUTOFF_REMINDER)
    assert cutoff.to_address == clinician.email and draft.reference in cutoff.body
    # Meeting reminders: from 24 h before, once.
    run_job("reminders", now=datetime(2027, 3, 8, 13, 30))
    run_job("reminders", now=datetime(2027, 3, 9, 9, 0))
    sent = reminders(NotificationKind.MEETING_REMINDER)
    assert [m.to_address for m in sent] == [member.email]
    assert "/meetings/" in sent[0].body
    assert "The agenda is not yet published." in sent[0].body and "cases on the agenda" not in sent[0].body


def test_a_meeting_reminded_on_its_own_day_says_today(boards, member):
    """The subject says "Tomorrow" the day before, "Today" when the job first sees the meeting
    on its day (a meeting added at short notice, a scheduler started that morning)."""
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]  # Tuesday 9 March, 14:00 Paris
    db.session.commit()
    run_job("reminders", now=datetime(2027, 3, 9, 8, 0))  # 09:00 in Paris, the same day
    [sent] = reminders(NotificationKind.MEETING_REMINDER)
    assert "Today: Thoracic oncology meeting" in sent.subject and "Tomorrow" not in sent.subject
    from mtb.meetings.notifications import meeting_reminder

    subject, _body, _key = meeting_reminder(meeting, member, None, datetime(2027, 3, 8, 15, 0))
    assert subject.startswith("Tomorrow:")


def test_secretaries_are_reminded_to_build_the_agenda_from_the_proposed_cases(boards, create_case, member, secretary):
    thoracic = boards["thoracic"]
    meeting = cadence.generate_meetings(thoracic, NOW)[1]  # Tuesday 9 March, cut-off Sunday 7 March 13:00Z
    case = create_case()
    case.submitted_at = datetime(2027, 3, 4, 9, 0)
    for event in case.events:
        event.at = case.submitted_at
    db.session.commit()
    run_job("reminders", now=datetime(2027, 3, 7, 12, 0))
    assert reminders(NotificationKind.AGENDA_TO_BUILD) == []  # before the cut-off
    run_job("reminders", now=datetime(2027, 3, 7, 13, 30))
    run_job("reminders", now=datetime(2027, 3, 7, 14, 0))
    [build] = reminders(NotificationKind.AGENDA_TO_BUILD)
    assert build.to_address == secretary.email
    assert "1 case proposed for this meeting waits in the pool." in build.body
    assert f"/meetings/{meeting.id}/agenda" in build.body
    # The day before, the secretary's meeting reminder says the agenda is still to build.
    run_job("reminders", now=datetime(2027, 3, 8, 13, 30))
    by_address = {m.to_address: m for m in reminders(NotificationKind.MEETING_REMINDER)}
    assert "1 case proposed for this meeting is still in the pool." in by_address[secretary.email].body
    assert "still in the pool" not in by_address[member.email].body
    assert case.reference not in by_address[member.email].body


def test_meeting_reminder_of_a_published_agenda_counts_its_cases(boards, create_case, member, secretary):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    meetings.add_case(meeting, create_case().id, secretary, meeting.agenda_version, now=NOW)
    meetings.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    run_job("reminders", now=datetime(2027, 3, 8, 13, 30))
    assert reminders(NotificationKind.AGENDA_TO_BUILD) == []
    body = {m.to_address: m for m in reminders(NotificationKind.MEETING_REMINDER)}[member.email].body
    assert "1 case on the agenda." in body


def test_outbox_job_sends_through_smtp(smtp_server, member):
    from mtb.notifications.services import notify

    notify(member, NotificationKind.MEETING_MOVED, "Moved", "The meeting moved.")
    db.session.commit()
    assert run_job("outbox") is True
    assert [m["To"] for m in smtp_server] == [member.email]
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.SENT


def test_carry_over_job_closes_meetings_never_started(boards, create_case):
    first = cadence.generate_meetings(boards["thoracic"], NOW)[0]
    case = create_case()
    meetings.new_item(first, case)
    db.session.commit()
    run_job("carry_over", now=first.ends_at + timedelta(hours=13))
    db.session.refresh(first)
    assert first.status is MeetingStatus.CLOSED
    assert count(OutboxMessage, OutboxMessage.kind == NotificationKind.CASE_CARRIED_OVER.value) == 1


def test_scheduler_cli_lists_and_runs_one_job(app):
    result = app.test_cli_runner().invoke(args=["run-job", "generate_meetings"])
    assert result.exit_code == 0 and "generate_meetings: done" in result.output
    result = app.test_cli_runner().invoke(args=["run-job", "bogus"])
    assert result.exit_code != 0 and "Unknown job" in result.output


@pytest.mark.skipif(not ON_POSTGRES, reason="two schedulers on one database need PostgreSQL (runs in CI's PostgreSQL pass)")
def test_two_schedulers_on_one_postgresql_send_each_reminder_once(app, boards, create_case, member, chair, secretary):
    boards["thoracic"].cutoff_hours = 12  # Tuesday 13:00Z meeting, cut-off Tuesday 01:00Z
    cadence.generate_meetings(boards["thoracic"], NOW)
    create_case(status="draft")
    db.session.commit()
    when = datetime(2027, 3, 8, 14, 0)  # 23 h before Tuesday's meeting, 11 h before its cut-off
    start = threading.Barrier(4)
    outcomes, errors = [], []

    def scheduler(job_now):
        try:
            with app.app_context():
                start.wait(timeout=10)
                outcomes.append(run_job("reminders", now=job_now))
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(error)

    # Two schedulers per slot, and two neighbouring slots: claims and dedupe keys both hold.
    threads = [threading.Thread(target=scheduler, args=(t,)) for t in (when, when, when + timedelta(minutes=10), when + timedelta(minutes=10))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == [False, False, True, True]
    assert count(JobRun, JobRun.job_name == "reminders") == 2
    meeting_reminders = reminders(NotificationKind.MEETING_REMINDER)
    assert sorted(m.to_address for m in meeting_reminders) == sorted([member.email, chair.email, secretary.email])
    assert len(reminders(NotificationKind.CUTOFF_REMINDER)) == 1
    keys = [m.dedupe_key for m in db.session.scalars(sa.select(OutboxMessage))]
    assert len(keys) == len(set(keys))


def test_the_statistics_job_gives_sqlite_the_planners_statistics(create_case):
    """Without ANALYZE, SQLite read every decision of a board to list the newest ten."""
    create_case()
    assert run_job("statistics")
    if db.engine.dialect.name == "sqlite":
        tables = {row[0] for row in db.session.execute(sa.text("SELECT tbl FROM sqlite_stat1"))}
        assert {"cases", "biomarkers"} <= tables


def test_paediatric_drafts_are_reminded_48_hours_before_their_cutoff(make_user, create_case, create_meeting):
    """The paediatric board's cut-off is 72 h before the meeting: its drafts reminder is due
    120 h before, beyond the meetings of the next four days."""
    clinician = make_user("ped@example.org", {"paediatric": ["clinician"]})
    create_case(board="paediatric", submitter=clinician, status="draft")
    meeting = create_meeting("paediatric", starts_at=datetime(2027, 3, 11, 12, 0))  # Thu 13:00 Paris
    assert meeting.cutoff_hours == 72
    send_reminders(meeting.cutoff_at - timedelta(hours=47))
    db.session.commit()
    [sent] = reminders(NotificationKind.CUTOFF_REMINDER)
    assert sent.to_address == clinician.email


@pytest.mark.parametrize("cutoff_hours", [120, 336])
def test_a_board_with_a_long_cutoff_is_reminded_of_drafts_and_agenda_on_time_and_once(
        make_user, create_case, create_meeting, cutoff_hours):
    """Boards may set a cut-off up to two weeks: the drafts reminder still comes 48 h before
    it, and the secretaries' "agenda to build" as soon as it passed, each once."""
    clinician = make_user("ped@example.org", {"paediatric": ["clinician"]})
    secretary = make_user("ped-secretary@example.org", {"paediatric": ["secretary"]})
    meeting = create_meeting("paediatric", starts_at=datetime(2027, 3, 25, 12, 0), cutoff_hours=cutoff_hours)
    create_case(board="paediatric", submitter=clinician, status="draft")
    proposed = create_case(board="paediatric", submitter=clinician)
    proposed.submitted_at = meeting.cutoff_at - timedelta(days=3)
    for event in proposed.events:
        event.at = proposed.submitted_at
    db.session.commit()
    send_reminders(meeting.cutoff_at - timedelta(hours=49))
    assert reminders(NotificationKind.CUTOFF_REMINDER) == []
    send_reminders(meeting.cutoff_at - timedelta(hours=47))
    assert [m.to_address for m in reminders(NotificationKind.CUTOFF_REMINDER)] == [clinician.email]
    send_reminders(meeting.cutoff_at + timedelta(minutes=10))
    assert [m.to_address for m in reminders(NotificationKind.AGENDA_TO_BUILD)] == [secretary.email]
    t = meeting.cutoff_at - timedelta(hours=46)
    while t < meeting.starts_at:  # the job, hourly up to the meeting
        send_reminders(t)
        t += timedelta(hours=1)
    db.session.commit()
    assert len(reminders(NotificationKind.CUTOFF_REMINDER)) == 1
    assert len(reminders(NotificationKind.AGENDA_TO_BUILD)) == 1
