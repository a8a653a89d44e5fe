"""The dashboards and the follow-up pages cost the same number of SQL statements with 10
decided cases and with 500: their figures are aggregates bounded by board and period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mtb.boards import services as boards_service
from mtb.db import utcnow
from mtb.extensions import db
from mtb.outcomes import cache
from mtb.outcomes.models import NotImplementedReason, Response
from tests.outcomes.helpers import decide, follow, meeting_on
from tests.test_query_budget import _bulk_cases, _statements

BUDGET = 15
FEW, MANY = 10, 500


@pytest.fixture
def decided_history(app, team, clinician):
    """grow(n): n thoracic cases decided over the past year, ten a meeting, half followed up."""
    board = boards_service.get_board("thoracic")
    state = {"n": 0}

    def grow(n: int) -> None:
        cases = _bulk_cases(board, clinician, 20000 + state["n"], n - state["n"])
        for start in range(0, len(cases), 10):
            day = (utcnow() - timedelta(days=20 + (state["n"] + start) % 330)).replace(microsecond=0)
            meeting = meeting_on("thoracic", day)
            for i, case in enumerate(cases[start:start + 10]):
                decision = decide(case, meeting, report=day.date() - timedelta(days=5 + i))
                if i % 2:
                    follow(decision, 3, implemented=True, started=day.date() + timedelta(days=9),
                           response=Response.SD)
                else:
                    follow(decision, 3, implemented=False, reason=NotImplementedReason.NO_TRIAL_SLOT)
        state["n"] = n
        db.session.commit()

    return grow


PAGES = {
    "board dashboard": ("secretary", "/outcomes/boards/thoracic"),
    "site dashboard": ("admin", "/outcomes"),
    "follow-ups due": ("secretary", "/outcomes/boards/thoracic/follow-ups"),
    "home page with follow-ups": ("clinician", "/"),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_outcome_pages_cost_the_same_statements_with_10_and_500_decided_cases(
        page, client, login, team, clinician, admin, decided_history, query_counter, monkeypatch):
    monkeypatch.setattr(cache, "TTL_SECONDS", 0)  # every request computes its figures
    who, url = PAGES[page]
    user = {"secretary": team["secretary"], "clinician": clinician, "admin": admin}[who]
    decided_history(FEW)
    login(user)
    few = _statements(client, url, query_counter)
    decided_history(MANY)
    many = _statements(client, url, query_counter)
    assert few == many, f"{page}: with {FEW} {few!r}\nwith {MANY} {many!r}"
    assert many <= BUDGET, f"{page}: {many!r}"


def test_the_dashboard_reuses_its_rows_until_a_follow_up_is_recorded(client, login, team, decided_history,
                                                                     query_counter):
    decided_history(FEW)
    login(team["secretary"])
    client.get("/outcomes/boards/thoracic")
    with query_counter() as warm:
        assert "50.0 %" in client.get("/outcomes/boards/thoracic").get_data(as_text=True)
    cache.clear()
    with query_counter() as cold:
        client.get("/outcomes/boards/thoracic")
    assert len(warm) == len(cold) - 4  # the four readings of rows, replaced by one check of what moved
