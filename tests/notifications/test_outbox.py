"""E-mails: queued with the change, sent through SMTP, retried, never twice, never with patient identity."""

from collections import Counter
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import cadence
from mtb.meetings import services as meetings
from mtb.meetings.models import Meeting
from mtb.notifications import services
from mtb.notifications.models import NotificationKind, OutboxMessage, OutboxStatus
from tests.fixtures.mail import free_port


def test_notify_queues_in_the_session_without_committing(member):
    message = services.notify(member, NotificationKind.AGENDA_PUBLISHED, "Agenda", "Body")
    assert message in db.session.new
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_opted_out_or_inactive_users_get_nothing(member, make_user):
    services.set_preferences(member, {k.value for k in NotificationKind} - {"agenda_published"})
    assert services.notify(member, NotificationKind.AGENDA_PUBLISHED, "s", "b") is None
    assert services.notify(member, NotificationKind.MEETING_MOVED, "s", "b") is not None
    gone = make_user(active=False)
    assert services.notify(gone, NotificationKind.MEETING_MOVED, "s", "b") is None


def test_same_dedupe_key_is_queued_once(member):
    assert services.notify(member, NotificationKind.MEETING_REMINDER, "s", "b", dedupe_key="k1")
    assert services.notify(member, NotificationKind.MEETING_REMINDER, "s", "b", dedupe_key="k1") is None


def test_published_agenda_arrives_by_smtp_without_patient_identity(smtp_server, create_meeting, secretary, member, create_case):
    meeting = create_meeting()
    case = create_case(patient_name="Jeanne Martin", patient_record_number="IPP0012345")
    meetings.add_case(meeting, case.id, secretary, meeting.agenda_version)
    meetings.publish_agenda(meeting, secretary, meeting.agenda_version)
    db.session.commit()
    report = services.send_due_messages()
    assert report.sent == 3 and report.failed == 0
    received = {m["To"]: m for m in smtp_server}
    assert set(received) == {secretary.email, member.email, case.submitter.email}
    for message in smtp_server:
        text = message.get_content()
        assert case.reference in text and "http://mtb.test/meetings/" in text
        assert "Jeanne" not in text and "IPP0012345" not in text and "1961" not in text and "02/04" not in text
        assert message["Subject"].startswith("[MTB]")
    assert all(m.status is OutboxStatus.SENT and m.sent_at for m in db.session.scalars(sa.select(OutboxMessage)))
    assert services.send_due_messages().sent == 0  # never twice


def test_every_sent_email_carries_its_date_and_a_message_id(smtp_server, member):
    """RFC 5322 §3.6: Date is required. Relays do not add it for mail submitted over the
    network (Postfix: only for local clients), and spam filters score its absence."""
    services.notify(member, NotificationKind.MEETING_MOVED, "Moved", "The meeting moved.")
    db.session.commit()
    before = utcnow().replace(microsecond=0, tzinfo=UTC)
    assert services.send_due_messages().sent == 1
    [received] = smtp_server
    sent_at = parsedate_to_datetime(received["Date"])
    assert sent_at.utcoffset() == timedelta(0) and before <= sent_at <= utcnow().replace(tzinfo=UTC)
    assert received["Message-ID"].endswith("@mtb.test>")


def test_a_name_typed_with_a_line_break_still_sends_with_a_one_line_subject(smtp_server, member):
    """A board or meeting name pasted with a line break would make the Subject header invalid."""
    services.notify(member, NotificationKind.MEETING_MOVED, "Thoracic\r\noncology meeting moved", "Body")
    db.session.commit()
    report = services.send_due_messages()
    assert report.sent == 1 and report.failed == 0 and report.retried == 0
    assert smtp_server[0]["Subject"] == "[MTB] Thoracic oncology meeting moved"


def test_failed_send_is_retried_with_backoff_then_marked_failed(app, member):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    try:
        services.notify(member, NotificationKind.MEETING_MOVED, "Moved", "Body")
        db.session.commit()
        now = utcnow()
        report = services.send_due_messages(now)
        message = db.session.scalar(sa.select(OutboxMessage))
        assert report.retried == 1 and message.status is OutboxStatus.PENDING and message.attempts == 1
        assert message.next_attempt_at == now + timedelta(seconds=60) and message.last_error
        assert services.send_due_messages(now + timedelta(seconds=30)).retried == 0  # not due yet
        services.send_due_messages(now + timedelta(seconds=61))
        assert message.attempts == 2 and message.next_attempt_at == now + timedelta(seconds=61 + 120)
        later = now
        for _ in range(10):
            later += timedelta(days=1)
            services.send_due_messages(later)
        assert message.status is OutboxStatus.FAILED and message.attempts == 6
    finally:
        app.config["SMTP_URL"] = ""


def test_a_message_is_claimed_by_one_sender_only(member):
    message = services.notify(member, NotificationKind.MEETING_MOVED, "s", "b")
    db.session.commit()
    now = utcnow()
    assert services._claim(message.id, now) is True
    assert services._claim(message.id, now) is False
    # A sender that died leaves the claim; it expires and another takes over.
    assert services._claim(message.id, now + timedelta(seconds=services.CLAIM_SECONDS + 1)) is True


def test_a_message_claimed_late_in_a_slow_batch_is_not_sent_twice(monkeypatch, member):
    """62 messages through a relay taking 5 s each (a new TLS connection per message): the
    last is claimed 305 s after the batch began. Its claim must still hold while it is being
    sent; a second sender (`flask run-job outbox`, a second scheduler) must not take it."""
    for n in range(62):
        services.notify(member, NotificationKind.MEETING_MOVED, f"m{n:02d}", "The meeting moved.")
    db.session.commit()
    clock = [utcnow()]
    monkeypatch.setattr(services, "utcnow", lambda: clock[0])
    delivered = []
    second_sender = []

    def slow_smtp(message):
        delivered.append(message.subject)
        clock[0] += timedelta(seconds=5)
        if message.subject == "[MTB] m61" and not second_sender:
            second_sender.append(services.send_due_messages())  # 5 s into this message's delivery

    monkeypatch.setattr(services, "deliver", slow_smtp)
    assert services.send_due_messages().sent == 62
    assert second_sender[0].sent == 0
    assert [subject for subject, n in Counter(delivered).items() if n > 1] == []


def test_smtp_urls_are_understood():
    plain = services.parse_smtp_url("smtp://mail.example.org:2525")
    assert (plain.host, plain.port, plain.mode, plain.username) == ("mail.example.org", 2525, "plain", None)
    tls = services.parse_smtp_url("smtp+starttls://mtb%40hospital.fr:s3cr%2Ft@smtp.hospital.fr")
    assert (tls.port, tls.mode, tls.username, tls.password) == (587, "starttls", "mtb@hospital.fr", "s3cr/t")
    assert services.parse_smtp_url("smtps://smtp.hospital.fr").port == 465
    with pytest.raises(ValueError):
        services.parse_smtp_url("http://smtp.hospital.fr")


def test_user_chooses_notifications_on_the_preferences_page(client, login, member):
    login(member)
    html = client.get("/account/notifications").get_data(as_text=True)
    assert html.count('type="checkbox"') == len(NotificationKind) and html.count("checked") == len(NotificationKind)
    response = client.post("/account/notifications", data={"kinds": ["meeting_moved", "decision_published"]})
    assert response.status_code == 302
    choices = services.preferences(member)
    assert choices[NotificationKind.MEETING_MOVED] and not choices[NotificationKind.AGENDA_PUBLISHED]


def test_outbox_page_is_for_admins_and_retries_failed_messages(client, login, admin, member):
    message = services.notify(member, NotificationKind.MEETING_MOVED, "s", "b")
    message.status, message.attempts, message.last_error = OutboxStatus.FAILED, 6, "SMTPServerDisconnected: gone"
    db.session.commit()
    login(member)
    assert client.get("/admin/outbox").status_code == 403
    client.post("/logout")
    login(admin)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "SMTPServerDisconnected: gone" in html and "Retry now" in html
    assert client.post(f"/admin/outbox/{message.id}/retry").status_code == 302
    db.session.refresh(message)
    assert message.status is OutboxStatus.PENDING


def test_the_outbox_names_kinds_and_statuses_in_the_readers_language(client, login, admin, member):
    message = services.notify(member, NotificationKind.CASE_CARRIED_OVER, "s", "b")
    message.status = OutboxStatus.FAILED
    db.session.commit()
    login(admin)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "Case carried over" in html and ">failed</span>" in html
    admin.locale = "fr"
    db.session.commit()
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "case carried over" not in html.lower() and ">failed<" not in html and ">pending<" not in html
    assert "Cas reporté" in html and "échec" in html


def test_a_job_that_fails_after_queuing_e_mails_keeps_none_of_them(member, boards):
    """A job's e-mails commit with its work or not at all: on SQLite a savepoint taken as
    the transaction's first write used to commit on its own (the driver opens no
    transaction before a SAVEPOINT)."""
    db.session.commit()  # as a job starts: its run claimed and committed, no transaction open
    assert services.notify_once(member, NotificationKind.MEETING_REMINDER, "Reminder", "Tomorrow.", "job:1")
    assert cadence.generate_meetings(boards["thoracic"])
    db.session.rollback()  # the job failed further on
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0
    # And a job that ends well keeps them.
    assert services.notify_once(member, NotificationKind.MEETING_REMINDER, "Reminder", "Tomorrow.", "job:1")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
