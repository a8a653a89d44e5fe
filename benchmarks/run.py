"""`make bench`: minutes rendering overhead and stored-PDF download time.

Builds a 40-case meeting in a temporary SQLite database, then measures
1. rendering its minutes through MTB (plain context, canonical JSON, Jinja, WeasyPrint,
   storage) against WeasyPrint alone on the same HTML: the app's share must stay small
   (at most 1.3x WeasyPrint's time);
2. downloading the stored PDF through the test client (must be well under 50 ms).
Prints both figures; exits with status 1 if a target is missed. Then runs
benchmarks/pages.py (page times, SQL statements and memory at 50 and 1,000 cases).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

RATIO_TARGET = 1.3
DOWNLOAD_TARGET_MS = 50.0
CASES = 40
PASSWORD = "benchmark password 123"


def _build(app):
    from mtb.accounts import services as accounts
    from mtb.accounts.models import Role
    from mtb.boards import services as boards
    from mtb.cases.lifecycle import change_status
    from mtb.cases.models import Biomarker, BiomarkerKind, Case, CaseStatus, CnvType, Sex
    from mtb.cases.references import next_reference
    from mtb.db import utcnow
    from mtb.decisions import services as decisions
    from mtb.extensions import db
    from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus
    from mtb.vocab import Specialty

    board = {b.slug: b for b in boards.ensure_default_boards()}["thoracic"]
    people = {}
    for key, specialty, roles in (
        ("chair", Specialty.MEDICAL_ONCOLOGY, (Role.MEMBER, Role.CHAIR)),
        ("member", Specialty.PATHOLOGY, (Role.MEMBER,)),
        ("biologist", Specialty.MOLECULAR_BIOLOGY, (Role.MEMBER,)),
        ("secretary", None, (Role.SECRETARY,)),
        ("clinician", Specialty.MEDICAL_ONCOLOGY, (Role.CLINICIAN,)),
    ):
        user = accounts.create_user(f"{key}@bench.example.org", key.title(), PASSWORD, specialty=specialty,
                                    check_strength=False)
        for role in roles:
            accounts.grant_role(user, board, role)
        people[key] = user
    db.session.flush()
    meeting = Meeting(board_id=board.id, starts_at=utcnow() - timedelta(hours=2), duration_minutes=400,
                      location=board.location, status=MeetingStatus.PUBLISHED, cutoff_hours=48)
    db.session.add(meeting)
    db.session.flush()
    for n in range(CASES):
        case = Case(reference=next_reference(board), board=board, submitter=people["clinician"],
                    patient_record_number=f"IPP{n:07d}", patient_name=f"Patient {n}", patient_sex=Sex.FEMALE,
                    patient_birth_date=date(1950 + n % 40, 1 + n % 12, 1 + n % 28),
                    diagnosis="Lung adenocarcinoma, stage IVA", icd10_code="C34.1", stage="IVA", ecog=1,
                    prior_lines=1, clinical_question="Second-line options after osimertinib progression?")
        db.session.add(case)
        case.biomarkers.append(Biomarker(position=0, kind=BiomarkerKind.VARIANT, gene="EGFR", hgvs_c="c.2573T>G",
                                         hgvs_p="p.Leu858Arg", vaf=30, assay="NGS panel", specimen="FFPE"))
        case.biomarkers.append(Biomarker(position=1, kind=BiomarkerKind.CNV, gene="MET",
                                         cnv_type=CnvType.AMPLIFICATION, copy_number=8))
        change_status(case, CaseStatus.DRAFT, people["clinician"])
        change_status(case, CaseStatus.SUBMITTED, people["clinician"])
        change_status(case, CaseStatus.SCHEDULED, people["secretary"])
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=n, minutes=10))
    db.session.flush()
    db.session.refresh(meeting)
    decisions.start_meeting(meeting, people["secretary"])
    decisions.record_attendance(meeting, people["secretary"],
                                {people[k].id: None for k in ("chair", "member", "biologist")})
    for item in meeting.items:
        case = item.case
        decision = decisions.save_draft(item, people["secretary"], "MET amplification on osimertinib; combination advised.", [
            {"kind": "targeted_therapy", "drug": "Osimertinib + savolitinib", "biomarker_id": str(case.biomarkers[1].id),
             "escat_tier": "II-B", "access_route": "early_access", "rationale": "TATTON, SAVANNAH."},
            {"kind": "clinical_trial", "trial_id": "NCT05261399", "trial_site": "Lyon"},
        ])
        decisions.validate(decision, people["chair"], publish=False)
    decisions.close_meeting(meeting, people["secretary"])
    db.session.commit()
    return meeting, people


def main() -> int:
    from flask_migrate import upgrade

    from mtb import create_app

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({
            "TESTING": True, "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3", "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1,
            "LOG_LEVEL": "WARNING",
        })
        app.instance_path = scratch
        import logging

        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            upgrade(revision="heads")
            from mtb.db import utcnow
            from mtb.extensions import db
            from mtb.minutes import pdf, services

            meeting, people = _build(app)

            # Warm up fonts, templates and the stylesheet once.
            services.create_minutes_version(meeting, people["chair"], utcnow(), "warm-up")
            db.session.commit()

            app_times, weasy_times = [], []
            for _ in range(4):
                start = time.perf_counter()
                version = services.create_minutes_version(meeting, people["chair"], utcnow(), "benchmark")
                db.session.commit()
                app_times.append(time.perf_counter() - start)
                html = services.minutes_html(services.json.loads(version.content_json), version, meeting.board.timezone)
                start = time.perf_counter()
                pdf.html_to_pdf(html)
                weasy_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            with services.force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
                context = services.minutes_context(meeting, people["chair"], utcnow())
            services.minutes_html(context, version, meeting.board.timezone)
            own_ms = (time.perf_counter() - start) * 1000
            size_kb = len(version.pdf) // 1024
            version_id = version.id
            app_s, weasy_s = min(app_times), min(weasy_times)
            ratio = app_s / weasy_s

        client = app.test_client()
        client.post("/login", data={"email": "member@bench.example.org", "password": PASSWORD})
        timings = []
        for _ in range(30):
            start = time.perf_counter()
            response = client.get(f"/minutes/{version_id}.pdf")
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and response.data[:5] == b"%PDF-", response.status_code
        download_ms = statistics.median(timings)

    ok_ratio = ratio <= RATIO_TARGET
    ok_download = download_ms < DOWNLOAD_TARGET_MS
    print(f"Minutes of a {CASES}-case meeting ({size_kb} KB PDF), best of 4 runs each:")
    print(f"  MTB (context + JSON + Jinja + WeasyPrint + store): {app_s * 1000:8.0f} ms")
    print(f"  WeasyPrint alone on the same HTML:                 {weasy_s * 1000:8.0f} ms")
    print(f"  of which the app's own work (queries, context, Jinja): {own_ms:5.0f} ms")
    print(f"  ratio {ratio:.2f} (target <= {RATIO_TARGET})  {'OK' if ok_ratio else 'FAIL'}")
    print(f"Stored PDF download through the test client: median {download_ms:.1f} ms, "
          f"max {max(timings):.1f} ms (target < {DOWNLOAD_TARGET_MS:.0f} ms)  {'OK' if ok_download else 'FAIL'}")
    return 0 if ok_ratio and ok_download else 1


if __name__ == "__main__":
    from benchmarks import pages

    minutes_status = main()
    pages_status = 1 if pages.main()["grew"] else 0
    sys.exit(minutes_status or pages_status)
