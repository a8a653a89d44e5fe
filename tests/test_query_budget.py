"""Every list page costs the same number of SQL statements with 10 rows and with 500, and at
most 15: a page whose cost grows with the hospital's history is slow at 100,000 cases
(measured in ``make bench``; this keeps the shape of the queries honest in ``make test``).

The rows are written directly (not through the forms): what matters here is how many rows
the pages read, not how they came to be."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mtb import fragments
from mtb.accounts.models import BoardRole, Role, User
from mtb.boards import services as boards_service
from mtb.cases.models import Biomarker, BiomarkerKind, Case, CaseStatus, Sex
from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.minutes.models import DecisionLetter, MinutesVersion

BUDGET = 15
FEW, MANY = 10, 500
MARKERS = [{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys", "vaf": 30},
           {"kind": "pdl1", "pdl1_tps": 50}]


def _signed_meeting(board_id: int, cases, starts_at, chair) -> Meeting:
    """A held, signed meeting: its cases decided, published, with a letter each."""
    meeting = Meeting(board_id=board_id, starts_at=starts_at, duration_minutes=120, cutoff_hours=48,
                      status=MeetingStatus.SIGNED)
    db.session.add(meeting)
    db.session.flush()
    digest = hashlib.sha256(b"x").hexdigest()
    for position, case in enumerate(cases, start=1):
        item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position, minutes=10,
                          outcome=ItemOutcome.DISCUSSED)
        db.session.add(item)
        db.session.flush()
        decision = Decision(agenda_item_id=item.id, meeting_id=meeting.id, case_id=case.id, board_id=board_id,
                            status=DecisionStatus.VALIDATED, summary="Osimertinib.", quorum_met=True,
                            validated_at=starts_at, published_at=starts_at + timedelta(days=1))
        decision.recommendations.append(Recommendation(kind=RecommendationKind.TARGETED_THERAPY, drug="sotorasib",
                                                       position=1))
        db.session.add(decision)
        db.session.flush()
        db.session.add(DecisionLetter(decision_id=decision.id, case_id=case.id, board_id=board_id,
                                      content_sha256=digest, pdf=b"%PDF-1.7", pdf_sha256=digest, pdf_size=8))
    db.session.add(MinutesVersion(meeting_id=meeting.id, board_id=board_id, number=1, reason="Signed",
                                  content_json="{}", content_sha256=digest, pdf=b"%PDF-1.7", pdf_sha256=digest,
                                  pdf_size=8, signed_by_id=chair.id, signed_at=starts_at + timedelta(days=1)))
    return meeting


def _bulk_cases(board, submitter, first: int, count: int) -> list[Case]:
    """``count`` submitted cases with two findings each, in one flush."""
    cases = []
    for i in range(first, first + count):
        case = Case(reference=f"THO-2025-{i:05d}", board_id=board.id, submitter_id=submitter.id,
                    status=CaseStatus.SUBMITTED, patient_record_number=f"IPP{i:07d}", patient_name=f"Martin {i}",
                    patient_sex=Sex.FEMALE, patient_birth_date=date(1961, 4, 2), diagnosis="Lung adenocarcinoma",
                    icd10_code="C34.1", clinical_question="Options?", submitted_at=utcnow() - timedelta(days=i))
        for position, spec in enumerate(MARKERS):
            spec = dict(spec, kind=BiomarkerKind(spec["kind"]))
            case.biomarkers.append(Biomarker(position=position, **spec))
        cases.append(case)
    db.session.add_all(cases)
    db.session.flush()
    return cases


def _bulk_people(board, first: int, count: int) -> None:
    """``count`` more members (and clinicians) of the board, sharing one password hash."""
    password_hash = db.session.scalar(sa.select(User.password_hash).limit(1))
    for i in range(first, first + count):
        user = User(email=f"member{i}@example.org", full_name=f"Member {i:03d}", password_hash=password_hash)
        user.roles = [BoardRole(board_id=board.id, role=Role.MEMBER), BoardRole(board_id=board.id, role=Role.CLINICIAN)]
        db.session.add(user)
    db.session.flush()


@pytest.fixture
def hospital(app, team, clinician, monkeypatch):
    """grow(n): the thoracic board with n of the clinician's cases, n more people on the
    board, and a signed meeting per ten of those cases (decided, with letters and minutes)."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1000)  # every row on one page
    board = boards_service.get_board("thoracic")
    state = {"n": 0}

    def grow(n: int) -> None:
        new = _bulk_cases(board, clinician, state["n"], n - state["n"])
        _bulk_people(board, state["n"], n - state["n"])
        for start in range(0, len(new), 10):
            _signed_meeting(board.id, new[start:start + 10], utcnow() - timedelta(days=800 - state["n"] - start),
                            team["chair"])
        state["n"] = n
        db.session.commit()

    return grow


PAGES = {
    "board case list": "/boards/thoracic/cases",
    "my cases": "/cases/mine",
    "search by gene": "/boards/thoracic/cases?q=KRAS",
    "search by variant": "/boards/thoracic/cases?q=G12C",
    "search by name": "/boards/thoracic/cases?q=Martin",
    "decisions page": "/decisions",
    "home page": "/",
}


class Statements(list):
    """The statements of one request; compared by number, printed one per line."""

    def __eq__(self, other):
        return len(self) == len(other)

    def __le__(self, other):
        return len(self) <= other

    def __repr__(self):
        return f"{len(self)} statements:\n" + "\n".join(" ".join(s.split())[-260:] for s in self)


def _statements(client, url, query_counter, *, cold: bool = False, fresh: bool = False) -> Statements:
    client.get(url)  # anything loaded once per process
    if cold:  # a worker that keeps nothing yet (mtb.fragments): what it keeps is read, then kept
        fragments.clear()
    if fresh:  # as in a worker, nothing of the test's session is refreshed row by row (the signed-in user)
        db.session.expunge_all()
    with query_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return Statements(statements)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_list_pages_cost_the_same_statements_with_10_and_500_rows(page, client, login, clinician, team, hospital,
                                                                  query_counter):
    url = PAGES[page]
    hospital(FEW)
    login(clinician if page in ("my cases", "home page") else team["secretary"])
    few = _statements(client, url, query_counter)
    hospital(MANY)
    many = _statements(client, url, query_counter)
    assert few == many, f"{page}: with {FEW} rows {few!r}\nwith {MANY} rows {many!r}"
    assert many <= BUDGET, f"{page}: {many!r}"


@pytest.mark.parametrize("cold", [False, True], ids=["kept", "nothing kept yet"])
@pytest.mark.parametrize("page", ["agenda builder", "session page"])
def test_meeting_pages_cost_the_same_statements_with_10_and_500_cases_and_people(
        page, cold, client, login, team, hospital, create_meeting, create_case, started_meeting, create_trial,
        query_counter):
    # A recruiting trial of the board: the pool and the session page match their cases against it.
    create_trial(alterations=[{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}])
    counts = []
    for n in (FEW, MANY):
        hospital(n)
        if page == "agenda builder":
            meeting = create_meeting(cases=[create_case(status="scheduled") for _ in range(min(n, 60))])
            url = f"/meetings/{meeting.id}/agenda"
        else:
            meeting = started_meeting(cases=[create_case(status="scheduled") for _ in range(min(n, 60))],
                                      status=MeetingStatus.IN_SESSION)
            url = f"/meetings/{meeting.id}/session"
        login(team["secretary"])
        counts.append(_statements(client, url, query_counter, cold=cold))
        client.post("/logout")
    assert counts[0] == counts[1], f"{page}: with {FEW} {counts[0]!r}\nwith {MANY} {counts[1]!r}"
    assert counts[1] <= BUDGET, f"{page}: {counts[1]!r}"


def test_people_on_the_board_are_not_each_loaded_on_the_agenda(client, login, team, hospital, create_meeting,
                                                               create_case):
    hospital(MANY)
    meeting = create_meeting(cases=[create_case(status="scheduled") for _ in range(40)])
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    # 500 presenters, listed once for 40 rows (not 40 times).
    assert html.count("Member 123") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) > MANY


def test_the_case_page_costs_the_same_statements_however_many_meetings_and_decisions(
        client, login, team, clinician, hospital, query_counter):
    hospital(FEW)
    board = boards_service.get_board("thoracic")
    once, often = _bulk_cases(board, clinician, 9000, 2)
    _signed_meeting(board.id, [once], utcnow() - timedelta(days=30), team["chair"])
    for week in range(6):  # discussed again and again (carried over, re-discussed)
        _signed_meeting(board.id, [often], utcnow() - timedelta(days=300 - 7 * week), team["chair"])
    db.session.commit()
    login(team["secretary"])
    few = _statements(client, f"/cases/{once.id}", query_counter)
    many = _statements(client, f"/cases/{often.id}", query_counter)
    assert few == many, f"one meeting {few!r}\nsix meetings {many!r}"
    assert many <= BUDGET, f"case page: {many!r}"


@pytest.mark.parametrize("cold", [False, True], ids=["kept", "nothing kept yet"])
def test_the_case_page_stays_within_the_budget_for_its_submitter_in_a_new_worker(
        cold, client, login, clinician, hospital, create_trial, query_counter):
    """Its submitter's page reads the most (who opened the case, too); a worker that keeps
    nothing yet reads the board's trials besides their stamp (``mtb.trials.panels``)."""
    hospital(FEW)
    create_trial(alterations=[{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}])
    case = db.session.scalars(sa.select(Case).where(Case.submitter_id == clinician.id)).first()
    login(clinician)
    url = f"/cases/{case.id}"
    statements = _statements(client, url, query_counter, cold=cold, fresh=True)
    assert statements <= BUDGET, f"case page: {statements!r}"
    assert "Open trials this case may fit" in client.get(url).get_data(as_text=True)
