"""The case lists' rows are kept per worker between views (mtb.fragments, keyed by all a
row prints): a case's new status, diagnosis, submitter's name, board's name or meeting
shows on the next view of every list."""

from __future__ import annotations

import re
from datetime import timedelta

from mtb.accounts.models import User
from mtb.boards.models import Board
from mtb.cases.models import Case, CaseStatus
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.models import Meeting


def _row(html: str, case) -> str:
    return re.search(rf'<tr>\s*<td class="nowrap"><a href="/cases/{case.id}">.*?</tr>', html, re.S).group(0)


def test_a_case_changed_shows_its_new_row_on_the_board_list_and_mine(client, login, clinician, create_case):
    case = create_case(submitter=clinician, diagnosis="Lung adenocarcinoma")
    login(clinician)
    for url in ("/boards/thoracic/cases", "/cases/mine"):
        assert "Lung adenocarcinoma" in _row(client.get(url).get_data(as_text=True), case)
    stored = db.session.get(Case, case.id)
    stored.diagnosis, stored.urgency = "Large-cell neuroendocrine carcinoma", "urgent"
    db.session.get(User, clinician.id).full_name = "Dr Renamed Clinician"
    db.session.get(Board, case.board_id).name = "Thoracic oncology (adults)"
    db.session.commit()
    board_row = _row(client.get("/boards/thoracic/cases").get_data(as_text=True), case)
    assert "Large-cell neuroendocrine carcinoma" in board_row and "badge-urgent" in board_row
    assert "Dr Renamed Clinician" in board_row
    mine_row = _row(client.get("/cases/mine").get_data(as_text=True), case)
    assert "Thoracic oncology (adults)" in mine_row and "Dr Renamed Clinician" not in mine_row


def test_a_case_put_on_an_agenda_shows_its_meeting_instead_of_the_proposal(client, login, secretary, create_case,
                                                                          boards):
    first = Meeting(board_id=boards["thoracic"].id, starts_at=utcnow() + timedelta(days=6), duration_minutes=120,
                    cutoff_hours=48)
    later = Meeting(board_id=boards["thoracic"].id, starts_at=utcnow() + timedelta(days=13), duration_minutes=120,
                    cutoff_hours=48)
    db.session.add_all([first, later])
    case = create_case()
    db.session.commit()
    login(secretary)
    row = _row(client.get("/boards/thoracic/cases").get_data(as_text=True), case)
    assert f"/meetings/{first.id}" in row and "(proposed)" in row
    services.add_case(later, case.id, secretary, later.agenda_version)
    db.session.commit()
    row = _row(client.get("/boards/thoracic/cases").get_data(as_text=True), case)
    assert f"/meetings/{later.id}" in row and "(proposed)" not in row
    assert db.session.get(Case, case.id).status is CaseStatus.SCHEDULED and "badge-scheduled" in row
