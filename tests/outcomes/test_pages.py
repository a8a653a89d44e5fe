"""The dashboards, the research export and the board's outcome settings, through their pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.boards import services as boards_service
from mtb.db import utcnow
from mtb.extensions import db
from mtb.outcomes.export import safe
from mtb.outcomes.models import NotImplementedReason, Response
from tests.outcomes.helpers import decide, follow, meeting_on


@pytest.fixture
def history(app, create_case, clinician):
    """Two thoracic decisions two months ago (patients in the BIOCART cohort): one implemented, one declined."""
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=60)).replace(microsecond=0))
    first = decide(create_case(status="scheduled", submitter=clinician, patient_name="=HYPERLINK(\"x\")",
                               research_consent=["BIOCART"]), meeting)
    second = decide(create_case(status="scheduled", submitter=clinician, research_consent=["BIOCART"]), meeting)
    follow(first, 3, implemented=True, started=meeting.starts_at.date() + timedelta(days=5), response=Response.PR)
    follow(second, 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED)
    db.session.commit()
    return first, second


def test_a_board_member_sees_the_boards_dashboard_with_its_rate(client, login, member, history):
    login(member)
    response = client.get("/outcomes")  # one board: straight to its dashboard
    assert response.status_code == 302 and response.headers["Location"].endswith("/outcomes/boards/thoracic")
    html = client.get("/outcomes/boards/thoracic").get_data(as_text=True)
    assert "50.0 %" in html and "20.8 %" in html and "Patient declined" in html and "<svg" in html
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.board_dashboard"))


def test_kept_figures_are_worded_in_each_readers_language(client, login, member, history):
    """The dashboard's figures are kept a few minutes per process: a French reader after an
    English one reads the reasons in French."""
    login(member)
    assert "Patient declined" in client.get("/outcomes/boards/thoracic").get_data(as_text=True)
    member.locale = "fr"
    db.session.commit()
    html = client.get("/outcomes/boards/thoracic").get_data(as_text=True)
    assert "Refus du patient" in html and "Patient declined" not in html


def test_another_boards_dashboard_is_refused(client, login, make_user, history):
    login(make_user("derm@example.org", {"dermatology": ["member"]}))
    assert client.get("/outcomes/boards/thoracic").status_code == 403
    assert client.get("/outcomes/boards/nowhere").status_code == 404


def test_a_clinician_is_pointed_to_the_home_page(client, login, clinician, history):
    login(clinician)
    html = client.get("/outcomes").get_data(as_text=True)
    assert "Your follow-ups to record are on your home page." in html


def test_an_administrator_sees_the_site_and_each_board(client, login, admin, history):
    login(admin)
    html = client.get("/outcomes").get_data(as_text=True)
    assert "all boards" in html and "Thoracic oncology" in html and "Dermatology (melanoma)" in html
    assert "50.0 %" in html


def test_someone_on_several_boards_compares_them_without_the_site_or_its_export(client, login, make_user, history):
    login(make_user("two@example.org", {"thoracic": ["member"], "dermatology": ["secretary"]}))
    html = client.get("/outcomes").get_data(as_text=True)
    assert "Cases decided" in html and "Thoracic oncology" in html and "Dermatology (melanoma)" in html
    assert "all boards" not in html and "/export" not in html and "Paediatric" not in html


def test_a_bad_period_is_refused_next_to_its_field(client, login, member, history):
    login(member)
    html = client.get("/outcomes/boards/thoracic?from=2026-12-01&to=2026-01-01").get_data(as_text=True)
    assert 'id="period-from-error"' in html
    assert client.get("/outcomes/boards/thoracic?from=yesterday").status_code == 200


@pytest.mark.parametrize("query, field", [
    ("to=9999-12-31", "to"), ("from=0001-01-01&to=0003-01-01", "to"), ("from=0001-01-01&to=2000-01-01", "from")])
def test_a_period_outside_1900_2100_is_refused_next_to_its_field(client, login, member, history, query, field):
    login(member)
    response = client.get(f"/outcomes/boards/thoracic?{query}")
    assert response.status_code == 200
    assert f'id="period-{field}-error"' in response.get_data(as_text=True)


def _export(client, **data):
    today = utcnow().date()
    form = {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat(), "cohort": "BIOCART",
            "separator": ","}
    form.update(data)
    return client.post("/outcomes/boards/thoracic/export", data=form)


def _csv_rows(response) -> list[dict]:
    # utf-8-sig: the export starts with a byte-order mark (for Excel), not part of the header.
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_export_has_coded_values_and_no_names_unless_asked(client, login, admin, history):
    login(admin)
    response = _export(client)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _csv_rows(response)
    assert len(rows) == 2 and "patient_name" not in rows[0]
    assert {row["implemented"] for row in rows} == {"1", "0"}
    assert {row["not_implemented_reason"] for row in rows} == {"", "patient_declined"}
    assert rows[0]["icd10"] == "C34.1"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export"))
    assert event.details["identity"] is False and event.details["rows"] == 2 and event.details["cohort"] == "BIOCART"


def test_the_export_dates_are_the_boards_days(client, login, admin, history):
    """Decided at 23:30 UTC is the next day in Paris: the export says the day the dashboards count."""
    first, _second = history
    decided = first.decided_at.replace(hour=23, minute=30)
    first.validated_at = first.decided_at = decided
    db.session.commit()
    login(admin)
    rows = _csv_rows(_export(client))
    assert (decided.date() + timedelta(days=1)).isoformat() in {row["decided_on"] for row in rows}


def test_identity_in_the_export_is_audited_and_formulas_are_neutralised(client, login, admin, history):
    login(admin)
    rows = _csv_rows(_export(client, identity="y"))
    assert "'=HYPERLINK(\"x\")" in {row["patient_name"] for row in rows}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export"))
    assert event.details["identity"] is True


def test_the_export_opens_in_excel_with_its_accents(client, login, admin, history):
    """Excel reads a CSV without a byte-order mark as Windows-1252: "Chloé Lefèvre" shows as
    "ChloÃ© LefÃ¨vre". The export starts with the UTF-8 one."""
    _first, second = history
    second.case.patient_name = "Chloé Lefèvre"
    db.session.commit()
    login(admin)
    body = _export(client, identity="y").get_data()
    assert body.startswith(b"\xef\xbb\xbfcase_reference,") and "Chloé Lefèvre".encode() in body


def test_the_export_is_split_into_columns_by_excel_in_french(client, login, admin, history):
    """Excel in French (and most of Europe) splits a CSV by semicolons: the form offers them,
    chosen by default where the decimal sign is a comma, and a cell holding one is quoted."""
    first, _second = history
    first.case.research_consent = ["BIOCART", "MELBASE"]
    db.session.commit()
    login(admin)
    english = client.get("/outcomes/boards/thoracic/export").get_data(as_text=True)
    assert '<input checked id="separator-0" name="separator" required type="radio" value=",">' in english
    admin.locale = "fr"
    db.session.commit()
    french = client.get("/outcomes/boards/thoracic/export").get_data(as_text=True)
    assert '<input checked id="separator-1" name="separator" required type="radio" value=";">' in french
    body = _export(client, separator=";").get_data().decode("utf-8-sig")
    assert body.startswith("case_reference;board;icd10;")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert {row["research_consent"] for row in rows} >= {"BIOCART;MELBASE"}
    assert '"BIOCART;MELBASE"' in body
    # No choice (an old page): refused next to the field, nothing exported.
    response = _export(client, separator="")
    assert response.status_code == 422 and 'id="separator-error"' in response.get_data(as_text=True)


def test_a_decision_not_yet_published_is_not_exported(client, login, admin, history):
    """Validated in session, minutes not signed: not the board's word yet (the dashboards do
    not count it either)."""
    first, second = history
    first.published_at = None
    db.session.commit()
    login(admin)
    rows = _csv_rows(_export(client))
    assert {row["case_reference"] for row in rows} == {second.case.reference}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export"))
    assert event.details["rows"] == 1


def test_only_an_administrator_exports(client, login, secretary, history):
    login(secretary)
    assert _export(client).status_code == 403


def test_the_cohort_filter_keeps_consenting_patients(client, login, admin, history):
    first, second = history
    first.case.research_consent = ["immunotarget"]  # the cohort is matched in any case
    db.session.commit()
    login(admin)
    rows = _csv_rows(_export(client, cohort="Immunotarget"))
    assert [row["case_reference"] for row in rows] == [first.case.reference]
    assert second.case.reference not in {row["case_reference"] for row in rows}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export"))
    assert event.details["cohort"] == "Immunotarget" and event.details["rows"] == 1


def test_an_export_without_a_cohort_is_refused_next_to_the_field(client, login, admin, history):
    login(admin)
    response = _export(client, cohort="")
    assert response.status_code == 422 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'id="cohort-error"' in html and "Choose the research cohort to export." in html
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export")) is None


def test_free_text_answers_are_exported_only_with_the_identity(client, login, admin, history):
    login(admin)
    rows = _csv_rows(_export(client))
    assert "reason_other" not in rows[0] and "stop_reason" not in rows[0] and "drug" in rows[0]
    rows = _csv_rows(_export(client, identity="y"))
    assert "reason_other" in rows[0] and "stop_reason" in rows[0]


@pytest.mark.parametrize("period", [{"end": "9999-12-31"}, {"start": "0001-01-01", "end": "0003-01-01"}])
def test_an_export_period_outside_1900_2100_is_refused_next_to_its_field(client, login, admin, history, period):
    login(admin)
    response = _export(client, **period)
    assert response.status_code == 422
    assert "Give a date between 1900 and 2100." in response.get_data(as_text=True)


def test_an_administrator_sets_follow_up_months_target_and_requirements(client, login, admin):
    login(admin)
    form = client.get("/boards/thoracic/settings")
    assert "What a submission must carry" in form.get_data(as_text=True)
    board = boards_service.get_board("thoracic")
    data = {"name": board.name, "cadence_mode": "rule", "cadence_rrule": board.cadence_rrule,
            "cadence_anchor": board.cadence_anchor.isoformat(), "meeting_length_minutes": "120",
            "minutes_per_case": "10", "cutoff_hours": "48", "follow_up_months": "6, 3, 12, 24",
            "turnaround_target_days": "10", "completeness_requirements": "egfr, ALK\npd-l1,"}
    response = client.post("/boards/thoracic/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    board = boards_service.get_board("thoracic")
    assert board.follow_up_months == [3, 6, 12, 24] and board.turnaround_target_days == 10
    assert board.completeness_requirements == ["EGFR", "ALK", "PD-L1"]
    refused = client.post("/boards/thoracic/settings", data=dict(data, follow_up_months="three"))
    assert refused.status_code == 200 and 'id="follow_up_months-error"' in refused.get_data(as_text=True)
    refused = client.post("/boards/thoracic/settings", data=dict(data, completeness_requirements="EGFR mutation!"))
    assert 'id="completeness_requirements-error"' in refused.get_data(as_text=True)


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+33 6 12", "'+33 6 12"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-1.5", "-1.5"), ("EGFR", "EGFR"), (None, ""), (True, "1"),
])
def test_export_cells_a_spreadsheet_would_run_are_neutralised(value, cell):
    assert safe(value) == cell
