"""Page speed, SQL statements and memory as the data grows (part of `make bench`).

Builds a temporary SQLite database with a thoracic board holding 50, then 1,000 cases
(each with biomarkers and an attachment), and for each size measures the pages people
open most: the board's case list, a search by gene, "my cases", a case page, the home
page and the meetings list. Prints median time, SQL statements per request and the
process's peak memory. Statements per page must not grow with the number of cases.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from datetime import date

PASSWORD = "benchmark password 123"
SIZES = (50, 1000)
REPEAT = 15


def _add_cases(board, clinician, count: int) -> int:
    from mtb.cases.lifecycle import change_status
    from mtb.cases.models import Attachment, Biomarker, BiomarkerKind, Case, CaseStatus, Sex
    from mtb.cases.references import next_reference
    from mtb.extensions import db

    genes = ("EGFR", "KRAS", "BRAF", "ALK", "MET", "ERBB2", "RET", "ROS1")
    first_id = None
    for n in range(count):
        case = Case(reference=next_reference(board), board=board, submitter=clinician,
                    patient_record_number=f"IPP{n:07d}", patient_name=f"Patient {n}", patient_sex=Sex.MALE,
                    patient_birth_date=date(1950 + n % 40, 1 + n % 12, 1 + n % 28),
                    diagnosis=f"Lung adenocarcinoma, stage IV ({n})", icd10_code="C34.1", ecog=1, prior_lines=1,
                    clinical_question="Second-line options?")
        db.session.add(case)
        for position, gene in enumerate((genes[n % 8], genes[(n + 3) % 8])):
            case.biomarkers.append(Biomarker(position=position, kind=BiomarkerKind.VARIANT, gene=gene,
                                             hgvs_p="p.Gly12Cys", vaf=20))
        case.attachments.append(Attachment(filename="report.pdf", file_type="pdf", content_type="application/pdf",
                                           size=9, sha256="0" * 64, data=b"%PDF-1.7\n", uploaded_by_id=clinician.id))
        change_status(case, CaseStatus.DRAFT, clinician)
        change_status(case, CaseStatus.SUBMITTED, clinician)
        if n % 200 == 0:
            db.session.flush()
        first_id = first_id or case
    db.session.commit()
    return first_id.id


def _measure(client, path: str, count_statements) -> tuple[float, int]:
    client.get(path)  # warm caches (templates, HGNC table)
    with count_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(statements)


def main() -> dict:
    from contextlib import contextmanager

    import sqlalchemy as sa

    from mtb import create_app
    from mtb.accounts import services as accounts
    from mtb.accounts.models import Role
    from mtb.boards import services as boards
    from mtb.extensions import db
    from mtb.meetings import services as meetings

    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                          "ARGON2_PARALLELISM": 1})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
            board = {b.slug: b for b in boards.ensure_default_boards()}["thoracic"]
            clinician = accounts.create_user("clinician@bench.example.org", "Clinician", PASSWORD, check_strength=False)
            for role in (Role.CLINICIAN, Role.SECRETARY, Role.MEMBER):
                accounts.grant_role(clinician, board, role)
            meetings.generate_meetings(board)
            db.session.commit()
            clinician_id, board_id = clinician.id, board.id

        @contextmanager
        def count_statements():
            seen: list[str] = []
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            with app.app_context():
                engine = db.engine
            sa.event.listen(engine, "before_cursor_execute", listener)
            try:
                yield seen
            finally:
                sa.event.remove(engine, "before_cursor_execute", listener)

        added = 0
        for size in SIZES:
            with app.app_context():
                from mtb.accounts.models import User
                from mtb.boards.models import Board

                case_id = _add_cases(db.session.get(Board, board_id), db.session.get(User, clinician_id), size - added)
            added = size
            client = app.test_client()
            client.post("/login", data={"email": "clinician@bench.example.org", "password": PASSWORD})
            for label, path in (
                ("board case list", "/boards/thoracic/cases"),
                ("search by gene", "/boards/thoracic/cases?q=KRAS"),
                ("my cases", "/cases/mine"),
                ("case page", f"/cases/{case_id}"),
                ("home", "/"),
                ("board meetings", "/boards/thoracic/meetings"),
            ):
                median_ms, statements = _measure(client, path, count_statements)
                results.setdefault(label, []).append((size, median_ms, statements))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPages ({REPEAT} requests each, SQLite, test client; median time and SQL statements per request)")
    print(f"{'page':<18}" + "".join(f"{f'{size} cases':>26}" for size in SIZES))
    grew = []
    for label, rows in results.items():
        print(f"{label:<18}" + "".join(f"{ms:>12.1f} ms {n:>6} stmts " for _, ms, n in rows))
        if rows[-1][2] > rows[0][2]:
            grew.append(label)
    print(f"peak resident memory of the benchmark process: {peak_mb:.0f} MB")
    if grew:
        print("statements grew with the data on: " + ", ".join(grew))
    return {"grew": grew}


if __name__ == "__main__":
    raise SystemExit(1 if main()["grew"] else 0)
