"""The trials a case matches, where the board works: the case page, the agenda pool and
the session page, where one click puts a trial into a clinical-trial recommendation."""

import re

import pytest
import sqlalchemy as sa

from mtb import fragments
from mtb.decisions.models import Decision
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.trials.models import TrialStatus
from tests.decisions.helpers import form_post

KRAS = ({"kind": "variant", "gene": "KRAS", "hgvs_c": "c.34G>T", "hgvs_p": "p.Gly12Cys", "vaf": 41},)
KRAS_TRIAL = dict(alterations=[{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}], icd10_ranges=["C34"],
                  prior_lines_min=1)


def _without_form_tokens(html: str) -> str:
    """The page without its form tokens: signed with the time, they change from one second to the next."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)


@pytest.fixture
def trials(create_trial):
    return {
        "open": create_trial(ids="NCT04613596, 2023-503456-39-00", title="KRAS G12C second line", acronym="KRYSTAL-7",
                             phase="2", investigator="Pr Anne Caron", tmb_min=10, molecular_logic="any",
                             **KRAS_TRIAL),
        "closed": create_trial(ids="NCT02220894", status="closed", title="Closed KRAS trial", **KRAS_TRIAL),
        "on_hold": create_trial(ids="2019-A01234-56", status="on_hold", title="Paused KRAS trial", **KRAS_TRIAL),
        "other_board": create_trial(board="dermatology", ids="NCT09120003", title="Melanoma KRAS trial",
                                    **KRAS_TRIAL),
        "egfr": create_trial(ids="NCT09120002", title="EGFR exon 20 trial",
                             alterations=[{"gene": "EGFR", "kind": "variant", "change": "exon 20"}]),
    }


def test_case_page_lists_the_recruiting_trials_it_matches_with_the_criteria(client, login, member, create_case,
                                                                            trials):
    case = create_case(biomarkers=KRAS)
    login(member)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Open trials this case may fit" in html
    assert "KRYSTAL-7" in html and "KRAS p.Gly12Cys" in html and "Diagnosis C34" in html
    assert "TMB ≥ 10 mut/Mb" in html and "TMB not measured" in html  # the unknown criterion, named
    for hidden in ("Closed KRAS trial", "Paused KRAS trial", "Melanoma KRAS trial", "EGFR exon 20 trial"):
        assert hidden not in html


def test_pool_shows_each_cases_matches_in_constant_statements(client, login, secretary, create_case, create_meeting,
                                                              trials, query_counter):
    meeting = create_meeting()
    create_case(biomarkers=KRAS)
    login(secretary)
    client.get(f"/meetings/{meeting.id}/agenda")
    fragments.clear()  # counted as a worker that keeps nothing yet: the most a view reads
    with query_counter() as few:
        html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "KRYSTAL-7" in html and "Closed KRAS trial" not in html
    for _ in range(4):
        create_case(biomarkers=KRAS)
    create_case(biomarkers=())
    fragments.clear()
    with query_counter() as many:
        html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert html.count("NCT04613596") == 5
    assert len(many) == len(few)
    with query_counter() as kept:  # the cases' matches kept: their findings and trials not read again
        again = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert _without_form_tokens(again) == _without_form_tokens(html)
    assert len(kept) < len(many)


def test_the_pool_shows_the_registry_and_the_case_as_they_are_now(client, login, secretary, create_case,
                                                                   create_meeting, create_trial, trials, boards):
    """What the builder keeps of each pool case (its trials, what it lacks, its findings)
    follows every change: a trial closed or added, a finding edited, the board's list."""
    meeting = create_meeting()
    case = create_case(biomarkers=KRAS)
    login(secretary)

    def pool_html():
        html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
        return html[html.index('id="pool"'):html.index('id="agenda"')]

    assert "KRYSTAL-7" in pool_html()
    trials["open"].status = TrialStatus.CLOSED
    db.session.commit()
    assert "KRYSTAL-7" not in pool_html()
    create_trial(ids="NCT09120077", title="New KRAS study", acronym="NEWKRAS", **KRAS_TRIAL)
    assert "NEWKRAS" in pool_html()
    case.biomarkers[0].hgvs_p = "p.Gly12Asp"
    db.session.commit()
    shown = pool_html()
    assert "p.Gly12Asp" in shown and "NEWKRAS" not in shown
    board = boards["thoracic"]
    board.completeness_requirements = ["ALK"]
    db.session.commit()
    assert "Missing: ALK" in pool_html()


def test_a_click_on_the_session_page_fills_a_trial_recommendation(app, client, login, team, create_case,
                                                                 started_meeting, trials):
    case = create_case(biomarkers=KRAS, status="scheduled")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    page = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert "Recruiting trials this case matches" in page and "Recommend this trial" in page
    typed = form_post("Discussed: KRAS G12C after chemo-immunotherapy.", [{"kind": ""}],
                      propose_trial=str(trials["open"].id))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Discussed: KRAS G12C after chemo-immunotherapy." in html  # nothing typed lost
    assert 'value="NCT04613596, 2023-503456-39-00"' in html
    assert 'value="KRAS G12C second line"' in html
    # The site is this hospital, its local investigator beside it (not the investigator as a place).
    investigator = trials["open"].investigator
    site = f"{app.config['HOSPITAL_NAME']} ({investigator})" if investigator else app.config["HOSPITAL_NAME"]
    assert f'value="{site}"' in html
    assert '<option selected value="clinical_trial">' in html or 'value="clinical_trial" selected' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0  # not saved yet
    # Saved as it stands, the recommendation carries the trial's ids.
    saved = form_post("Discussed.", [{"kind": "clinical_trial", "trial_id": "NCT04613596, 2023-503456-39-00",
                                      "trial_title": "KRAS G12C second line", "trial_phase": "2"}])
    assert client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=saved).status_code == 302
    decision = db.session.scalar(sa.select(Decision))
    assert decision.recommendations[0].trial_id == "NCT04613596, 2023-503456-39-00"


def test_a_closed_or_other_boards_trial_cannot_be_put_in_by_its_id(client, login, team, create_case,
                                                                  started_meeting, trials):
    case = create_case(biomarkers=KRAS, status="scheduled")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    for name in ("closed", "other_board"):
        typed = form_post("Summary.", [{"kind": ""}], propose_trial=str(trials[name].id))
        html = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=typed).get_data(as_text=True)
        assert trials[name].primary_id not in html.split('id="recommendations"')[1]


def test_recommending_a_trial_put_on_hold_meanwhile_says_so_next_to_the_button_and_keeps_the_typing(
        client, login, team, create_case, started_meeting, trials):
    case = create_case(biomarkers=KRAS, status="scheduled")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    assert "KRYSTAL-7" in client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    trials["open"].status = TrialStatus.ON_HOLD  # the trial's secretary pauses it while the board discusses
    db.session.commit()
    testing = {"kind": "further_testing", "test_name": "ctDNA panel", "rationale": "Ask for a liquid biopsy first."}
    typed = form_post("Discussed: KRAS G12C after chemo-immunotherapy.", [testing],
                      propose_trial=str(trials["open"].id))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    refusal = html.split('id="trial-refusal"')[1].split("</p>")[0]
    assert "This trial is no longer recruiting (NCT04613596 KRYSTAL-7, now: On hold)" in refusal
    assert html.index('id="trial-refusal"') < html.index('id="recommendations"')  # beside the trials, above the rows
    assert "Discussed: KRAS G12C after chemo-immunotherapy." in html and "Ask for a liquid biopsy first." in html
    assert 'value="ctDNA panel"' in html
    assert 'value="NCT04613596' not in html  # no row filled with the paused trial

    other = form_post("Discussed.", [{"kind": ""}], propose_trial=str(trials["other_board"].id))
    html = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=other).get_data(as_text=True)
    assert "This trial is no longer among the trials Thoracic oncology may propose" in html


def test_a_pool_row_lists_the_best_three_trials_and_counts_the_others(client, login, secretary, create_case,
                                                                        create_meeting, create_trial):
    for n in range(5):
        create_trial(title=f"KRAS basket {n}", acronym=f"BASKET-{n}", **KRAS_TRIAL)
    meeting = create_meeting()
    case = create_case(biomarkers=KRAS)
    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert sum(f"BASKET-{n}" in html for n in range(5)) == 3
    assert "and 2 more trials: see the case page" in html
    login(secretary)
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert all(f"BASKET-{n}" in case_page for n in range(5))


def test_kept_verdicts_follow_a_trial_edit_and_a_case_edit(client, login, member, create_case, trials):
    """Each process keeps the pool's verdicts between views (mtb.trials.queries): an edited
    trial or case is judged again, never shown as it was."""
    case = create_case(biomarkers=KRAS)
    login(member)
    assert "KRYSTAL-7" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    trial = db.session.get(type(trials["open"]), trials["open"].id)
    trial.alterations = [{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Asp"}]
    db.session.commit()
    assert "KRYSTAL-7" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    for biomarker in case.biomarkers:
        biomarker.hgvs_p = "p.Gly12Asp"
    db.session.commit()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "KRYSTAL-7" in html and "KRAS p.Gly12Asp" in html
    trial.title = "Renamed KRAS trial"  # the order of matches follows titles: still shown
    db.session.commit()
    assert "KRYSTAL-7" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_case_pages_trials_panel_follows_the_registry_and_the_language(client, login, member,
                                                                          create_case, create_trial, trials):
    """The panel is kept per worker (mtb.trials.panels): any trial's change shows on the next
    view, even one matching does not read (its investigator), and each reader gets their language."""
    case = create_case(biomarkers=KRAS)
    login(member)
    page = f"/cases/{case.id}"
    assert "Pr Anne Caron" in client.get(page).get_data(as_text=True)
    trial = db.session.get(type(trials["open"]), trials["open"].id)
    trial.investigator = "Dr Paul Meunier"
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert "Dr Paul Meunier" in html and "Pr Anne Caron" not in html
    create_trial(ids="NCT09120078", title="Another KRAS study", acronym="KRAS-2", **KRAS_TRIAL)
    assert "KRAS-2" in client.get(page).get_data(as_text=True)
    db.session.get(type(member), member.id).locale = "fr"
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert "Open trials this case may fit" not in html and "KRAS-2" in html


def test_the_session_pages_trials_follow_the_registry_and_the_case(client, login, team, create_case,
                                                                   started_meeting, trials):
    """Kept per worker (mtb.trials.display.session_match_items): a trial put on hold, or a
    finding edited so that it no longer matches, shows on the next view of the session page."""
    case = create_case(biomarkers=KRAS, status="scheduled")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    login(team["secretary"])
    page = f"/meetings/{meeting.id}/session"
    assert "KRAS G12C second line" in client.get(page).get_data(as_text=True)
    trials["open"].status = TrialStatus.ON_HOLD
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert "KRAS G12C second line" not in html and "Recruiting trials this case matches" not in html
    trials["open"].status = TrialStatus.RECRUITING
    db.session.commit()
    assert "KRAS G12C second line" in client.get(page).get_data(as_text=True)
    case.biomarkers[0].hgvs_p = "p.Gly12Asp"
    db.session.commit()
    assert "KRAS G12C second line" not in client.get(page).get_data(as_text=True)
