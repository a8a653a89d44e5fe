"""A dashboard period refused beside its field keeps the dates that were typed (the
figures shown are the default period's)."""

from __future__ import annotations

import re

import pytest


def _inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="date" id="period-(from|to)" name="(?:from|to)" value="([^"]*)"', html))


@pytest.mark.parametrize("query, field", [
    ("from=2026-07-01&to=2026-06-30", "from"),  # starts after it ends
    ("from=2019-01-01&to=2026-06-30", "from"),  # more than five years
    ("from=2026-01-01&to=9999-12-31", "to"),  # outside 1900-2100
])
def test_a_refused_period_keeps_the_typed_dates_in_its_fields(client, login, member, query, field):
    login(member)
    html = client.get(f"/outcomes/boards/thoracic?{query}").get_data(as_text=True)
    assert f'id="period-{field}-error"' in html
    typed = dict(part.split("=") for part in query.split("&"))
    assert _inputs(html) == typed


def test_an_accepted_period_fills_its_fields(client, login, member):
    login(member)
    html = client.get("/outcomes/boards/thoracic?from=2026-01-01&to=2026-06-30").get_data(as_text=True)
    assert _inputs(html) == {"from": "2026-01-01", "to": "2026-06-30"}
    html = client.get("/outcomes/boards/thoracic").get_data(as_text=True)
    assert set(_inputs(html)) == {"from", "to"}
