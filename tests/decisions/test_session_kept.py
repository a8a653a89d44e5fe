"""The session page's list of cases and its decision form's rows are kept per worker between
views (mtb.fragments, keyed by all they print): a decision, a deferral, a renamed reference,
another case shown or an urgent case added shows on the next view; a row shows what was
typed in it, its errors and its own case's findings."""

from __future__ import annotations

import re

from mtb.cases.models import Case
from mtb.extensions import db
from tests.decisions.helpers import form_post, targeted


def _listed(html: str, item) -> str:
    """The list entry of ``item``."""
    return re.search(rf'<li class="item-[a-z]+"><a href="[^"]*item={item.id}&.*?</li>', html, re.S).group(0)


def test_states_references_and_the_case_shown_show_on_the_next_view(client, login, team, in_session):
    first, second = in_session.items
    login(team["secretary"])
    page = f"/meetings/{in_session.id}/session"
    html = client.get(f"{page}?item={first.id}").get_data(as_text=True)
    assert 'aria-current="step"' in _listed(html, first) and 'aria-current' not in _listed(html, second)
    assert "to discuss" in _listed(html, first) and "to discuss" in _listed(html, second)

    response = client.post(f"/meetings/{in_session.id}/items/{first.id}/decision",
                           data=form_post("Discussed.", [targeted(first.case)]))
    assert response.status_code == 302
    response = client.post(f"/meetings/{in_session.id}/items/{second.id}/defer", data={"defer-note": "Biopsy awaited"})
    assert response.status_code == 302
    html = client.get(f"{page}?item={second.id}").get_data(as_text=True)
    assert 'class="item-draft"' in _listed(html, first) and "draft" in _listed(html, first)
    assert 'class="item-deferred"' in _listed(html, second) and "deferred" in _listed(html, second)
    assert 'aria-current="step"' in _listed(html, second) and 'aria-current' not in _listed(html, first)

    db.session.get(Case, first.case_id).reference = "THO-RENAMED-1"
    db.session.commit()
    html = client.get(f"{page}?item={second.id}").get_data(as_text=True)
    assert "THO-RENAMED-1" in _listed(html, first)


def test_an_urgent_case_added_to_the_session_is_listed(client, login, team, in_session, create_case):
    urgent = create_case(status="submitted")
    login(team["secretary"])
    page = f"/meetings/{in_session.id}/session"
    html = client.get(page).get_data(as_text=True)
    assert urgent.reference not in html[html.index('<ol class="item-list">'):]
    response = client.post(f"/meetings/{in_session.id}/session/add-case", data={"late-case_id": str(urgent.id)})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    added = db.session.get(Case, urgent.id).agenda_items[-1]
    assert urgent.reference in _listed(html, added)


def _row(html: str) -> str:
    """The decision form's first recommendation row."""
    return re.search(r'<fieldset class="rec" data-rec>.*?</fieldset>\s*</fieldset>|<fieldset class="rec" data-rec>.*?'
                     r'name="recommendations-0-rationale".*?</div>', html, re.S).group(0)


def test_a_recommendation_row_shows_what_was_typed_its_errors_and_its_case_findings(client, login, team, in_session):
    """The decision form's rows are kept too (``kept_recommendation``): a row sent back with
    an error shows what was typed, and each case's row offers that case's findings."""
    first, second = in_session.items
    login(team["secretary"])
    page = f"/meetings/{in_session.id}/session"
    blank = _row(client.get(f"{page}?item={first.id}").get_data(as_text=True))
    assert 'value="Osimertinib"' not in blank and "aria-invalid" not in blank
    response = client.post(f"/meetings/{in_session.id}/items/{first.id}/decision", data=form_post(
        "Discussed.", [{"kind": "targeted_therapy", "drug": "Osimertinib", "rationale": "FLAURA"}]))
    assert response.status_code == 200  # shown again with its errors
    typed = _row(response.get_data(as_text=True))
    assert 'value="Osimertinib"' in typed and 'aria-invalid="true"' in typed and "FLAURA" in typed
    assert '<option selected value="targeted_therapy">' in typed
    for item in (first, second):
        row = _row(client.get(f"{page}?item={item.id}").get_data(as_text=True))
        offered = re.search(r'<select[^>]*name="recommendations-0-biomarker_id".*?</select>', row, re.S).group(0)
        other = second if item is first else first
        assert {f'value="{b.id}"' for b in item.case.biomarkers if not b.is_negative} <= set(
            re.findall(r'value="\d+"', offered))
        assert not {f'value="{b.id}"' for b in other.case.biomarkers} & set(re.findall(r'value="\d+"', offered))
