"""The audit trail: complete for refusals, exported by administrators, and shown to the
clinician whose case was opened."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.extensions import db


def test_administrators_export_the_filtered_trail_as_csv(client, login, admin, clinician, create_case):
    case = create_case(submitter=clinician)
    login(clinician)
    client.get(f"/cases/{case.id}")
    client.post("/logout")
    login(admin)
    response = client.get(f"/admin/audit.csv?text={case.reference}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    # utf-8-sig: the export starts with a byte-order mark (for Excel), not part of the header.
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    about_the_case = [row for row in rows if row["action"] != "audit.export"]
    assert about_the_case and {row["object"] for row in about_the_case} == {case.reference}
    assert "case.view" in {row["action"] for row in rows}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit.export")) is not None


def test_the_audit_export_opens_in_excel_with_its_accents(app, client, login, admin):
    """Excel reads a CSV without a byte-order mark as Windows-1252: "Chloé" shows as "ChloÃ©"."""
    from mtb.audit import services as audit

    with app.test_request_context("/"):
        audit.record("user.update", details={"full_name": "Chloé Lefèvre"})
        db.session.commit()
    login(admin)
    body = client.get("/admin/audit.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbfat_utc,")
    assert "Chloé Lefèvre".encode() in body


def test_reading_the_trail_is_itself_in_the_trail(client, login, admin):
    """The trail shows who read which patient's case: an administrator's reading is recorded."""
    login(admin)
    assert client.get("/admin/audit?text=THO-2026").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit.view"))
    assert event is not None and event.user_id == admin.id and event.details["text"] == "THO-2026"


def test_the_export_is_for_administrators_only(client, login, clinician):
    login(clinician)
    assert client.get("/admin/audit.csv").status_code == 403


def test_a_clinician_sees_who_opened_their_case(client, login, clinician, member, create_case):
    case = create_case(submitter=clinician)
    login(member)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert "Who opened this case" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.post("/logout")
    login(clinician)
    body = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Who opened this case" in body
    assert member.full_name in body
    panel = body.split('id="h-case-readers"', 1)[1].split("</section>", 1)[0]
    assert clinician.full_name not in panel  # their own visits are no news to them


def test_who_downloaded_a_file_of_the_case_is_among_those_who_opened_it(client, login, clinician, member,
                                                                         create_case, files):
    """The submitter's panel also names who downloaded the case's report without opening
    its page, and is read by the events' object, not by a scan of the whole trail."""
    from tests.fixtures.cases import upload

    case = create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["pdf"], "NGS report.pdf")]})
    attachment_id = db.session.scalar(sa.select(sa.func.max(AuditEvent.object_id)).where(
        AuditEvent.object_type == "Attachment")) or case.attachments[0].id
    client.post("/logout")
    login(member)
    assert client.get(f"/cases/{case.id}/attachments/{attachment_id}").status_code == 200
    client.post("/logout")
    login(clinician)
    body = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Who opened this case" in body and member.full_name in body


def test_who_opened_a_case_is_read_by_the_events_object_not_a_scan_of_the_trail(scratch_database):
    """On a migrated database the readers' statement is served by ix_audit_events_object
    (planned without statistics, as for a large trail: with a handful of rows the planner
    may rightly scan)."""
    from flask_migrate import upgrade

    from mtb.audit.queries import case_readers_query

    upgrade(revision="heads")
    readers = str(case_readers_query(1).compile(scratch_database, compile_kwargs={"literal_binds": True}))
    with scratch_database.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + readers))
    assert "ix_audit_events_object" in plan and "SCAN audit_events" not in plan, plan


def test_an_event_recorded_outside_a_page_is_written_with_its_transaction(app):
    """Only a page that commits through the request's end defers its rows: the demo seed and
    the services called in a bare request context write theirs with their own commit."""
    from mtb.audit import services as audit

    with app.test_request_context("/"):
        audit.record("demo.seeded", details={"what": "a bare GET context"})
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "demo.seeded")) == 1


def test_a_refused_reading_page_keeps_its_read_audit(client, login, make_user, create_case):
    """A 403 on a case of another board: the refusal is in the trail, written at the end."""
    case = create_case(status="submitted")
    login(make_user("derm@example.org", {"dermatology": ["member"]}))
    assert client.get(f"/cases/{case.id}").status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.object_id == case.id)) >= 1


def test_a_case_edit_says_which_fields_and_how_many_findings_changed(client, login, clinician):
    """Which fields a save changed (their names, not their values), and the findings added,
    removed or changed: "case.update" alone could not say who changed a birth date."""
    from mtb.cases.models import Case
    from tests.fixtures.cases import case_form

    login(clinician)
    assert client.post("/boards/thoracic/cases/new", data=case_form(action="draft")).status_code == 302
    case = db.session.scalar(sa.select(Case))
    finding = case.biomarkers[0]
    data = case_form(version=str(case.version), patient_birth_date="1965-05-21", action="draft",
                     **{"biomarkers-0-biomarker_id": str(finding.id), "biomarkers-0-vaf": "35",
                        "biomarkers-1-kind": "pdl1", "biomarkers-1-pdl1_tps": "60"})
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.update"))
    assert event.details["fields"] == ["patient_birth_date"]
    assert event.details["findings"] == {"added": 1, "changed": 1}
    assert "1965-05-21" not in str(event.details)
