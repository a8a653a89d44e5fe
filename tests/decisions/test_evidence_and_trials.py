"""Evidence on four scales with the crosswalk between them, and trials registered in several
registries: stored as typed, checked with a message next to the field, shown with links."""

from __future__ import annotations

import csv
import re

import pytest

from mtb.decisions import services
from mtb.decisions.evidence import (
    AMP,
    CROSSWALK_FILE,
    ESCAT,
    NCT,
    ONCOKB,
    SCHEMES,
    Evidence,
    corresponding_text,
    crosswalk,
    crosswalk_sources,
)
from mtb.decisions.queries import latest_decision
from mtb.decisions.validation import DecisionInvalid
from mtb.meetings.models import MeetingStatus
from mtb.trials.registrations import parse_ids
from tests.decisions.helpers import form_post, targeted

SOURCE_OF_SCHEME = {ESCAT: "Mateo J et al.", ONCOKB: "OncoKB Levels of Evidence",
                    NCT: "mii-cs-mtb-empfehlung-evidenzgrad", AMP: "Li MM et al."}


def test_the_crosswalk_table_has_every_level_of_every_scale_with_known_levels_and_a_cited_source():
    with CROSSWALK_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert [(r["scheme"], r["level"]) for r in rows] == [
        (code, level) for code, scheme in SCHEMES.items() for level in scheme.levels]
    sources = crosswalk_sources()
    for (code, level), others in crosswalk().items():
        assert SOURCE_OF_SCHEME[code] in sources[(code, level)]
        assert code not in others and set(others) == set(SCHEMES) - {code}
        for other, matches in others.items():
            for match in matches:
                assert match.level in SCHEMES[other].levels, (code, level, match)
                assert set(match.modifiers) <= set(SCHEMES[other].modifiers)


def test_escat_iv_b_is_actionability_predicted_in_silico_and_reads_as_a_biological_rationale():
    """Mateo et al. 2018, Table 1: IV-A preclinical models, IV-B in silico prediction; co-targeting is tier V."""
    with CROSSWALK_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        escat = {row["level"]: row["definition"] for row in rows if row["scheme"] == ESCAT}
    assert "in silico" in escat["IV-B"] and "co-targeting" not in escat["IV-B"]
    assert "co-targeting" in escat["V"] and "in vitro or in vivo" in escat["IV-A"]
    assert "Retrospective studies" in escat["II-A"] and "randomised" not in escat["II-A"]
    assert Evidence(ESCAT, "IV-B").m_level == Evidence(NCT, "m4")
    assert [e.level for e in Evidence(NCT, "m4").corresponding()[ESCAT]] == ["III-B", "IV-B"]
    assert [e.level for e in Evidence(NCT, "m3").corresponding()[ESCAT]] == ["IV-A"]


def test_every_actionable_level_has_the_m_level_the_mii_profile_expects():
    for code, scheme in SCHEMES.items():
        for level in scheme.levels:
            m_level = Evidence(code, level).m_level
            if (code, level) in {(ESCAT, "X"), (AMP, "III"), (AMP, "IV")}:
                assert m_level is None
            else:
                assert m_level is not None and m_level.scheme == NCT, (code, level)
    assert Evidence(ESCAT, "I-A").m_level == Evidence(NCT, "m1A")
    assert Evidence(ONCOKB, "R1").m_level == Evidence(NCT, "m1A", ("R",))


def test_a_grading_of_resistance_corresponds_to_gradings_of_resistance_only():
    assert corresponding_text(Evidence(NCT, "m1A", ("R",))) == "OncoKB R1"
    assert corresponding_text(Evidence(NCT, "m1C", ("is", "R"))) == "OncoKB R2"
    assert corresponding_text(Evidence(NCT, "m1A")).startswith("ESCAT I-A / I-B · OncoKB 1 / 2")
    assert corresponding_text(Evidence(ONCOKB, "R1")) == "NCT m1A (R)"
    assert corresponding_text(Evidence(NCT, "m3", ("R",))) == ""  # no scale grades that resistance
    # The rule, over every level of every scale, with and without the modifier R.
    for code, scheme in SCHEMES.items():
        for level in scheme.levels:
            for modifiers in ((), ("R",)) if "R" in scheme.modifiers else ((),):
                evidence = Evidence(code, level, modifiers)
                for matches in evidence.corresponding().values():
                    for match in matches:
                        assert match.predicts_resistance == evidence.predicts_resistance, (evidence, match)


def test_evidence_labels_name_the_scale_the_level_and_the_modifiers():
    assert Evidence(ESCAT, "I-A").label == "ESCAT I-A"
    assert Evidence(ONCOKB, "3A").label == "OncoKB 3A"
    assert Evidence(NCT, "m1B", ("is",)).label == "NCT m1B (is)"
    assert Evidence(AMP, "II-C").label == "AMP/ASCO/CAP Tier II level C"
    assert Evidence(AMP, "III").label == "AMP/ASCO/CAP Tier III"


@pytest.mark.parametrize("typed, registry, identifier, url", [
    ("nct04613596", "nct", "NCT04613596", "https://clinicaltrials.gov/study/NCT04613596"),
    ("2023-503456-39-00", "euct", "2023-503456-39-00",
     "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=2023-503456-39-00"),
    ("2015-001234-56", "eudract", "2015-001234-56",
     "https://www.clinicaltrialsregister.eu/ctr-search/search?query=2015-001234-56"),
    ("2019-a01234-56", "idrcb", "2019-A01234-56", None),
    ("LYON-BIO-07", "local", "LYON-BIO-07", None),
])
def test_each_registry_id_is_recognised_and_linked_to_its_public_page(typed, registry, identifier, url):
    registrations, problems = parse_ids(typed)
    assert problems == []
    [registration] = registrations
    assert (registration.registry, registration.identifier, registration.url) == (registry, identifier, url)


@pytest.mark.parametrize("typed, says", [
    ("NCT123", "NCT followed by 8 digits"),
    ("2023-50345-39-00", "EU CT number is 2023-503456-39-00"),
    ("2019-A1234-56", "not an ID-RCB number"),
    ("<b>", "not a registry number nor a local trial code"),
])
def test_a_malformed_registry_id_is_explained(typed, says):
    registrations, problems = parse_ids(f"NCT04613596, {typed}")
    assert [r.identifier for r in registrations] == ["NCT04613596"]
    assert len(problems) == 1 and says in problems[0]


def test_evidence_on_another_scale_with_modifiers_and_a_trial_with_several_ids_are_stored(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    trial = {"kind": "clinical_trial", "trial_id": "NCT04613596; 2023-503456-39-00 nct04613596",
             "trial_title": "KRYSTAL-12", "trial_phase": "3", "trial_site": "Lyon"}
    decision = services.save_draft(item, team["secretary"], "Summary", [
        targeted(item.case, evidence="nct:m1B", evidence_modifiers=["iv", "is"], oncokb_level="3A"), trial])
    therapy, study = decision.recommendations
    assert (therapy.evidence_scheme, therapy.evidence_level, therapy.evidence_modifiers) == ("nct", "m1B", ["is", "iv"])
    assert therapy.evidence_label == "NCT m1B (is, iv)" and therapy.escat_tier is None
    assert therapy.oncokb_level == "3A"
    assert study.trial_id == "NCT04613596, 2023-503456-39-00"
    assert [r.label for r in study.trial_registrations] == ["ClinicalTrials.gov NCT04613596",
                                                            "EU CT (CTIS) 2023-503456-39-00"]
    assert (study.trial_title, study.trial_phase, study.trial_phase_label) == ("KRYSTAL-12", "3", "Phase III")


def test_an_escat_tier_given_alone_is_kept_as_escat_evidence_and_still_read_as_escat_tier(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [targeted(item.case, escat_tier="II-B")])
    rec = decision.recommendations[0]
    assert (rec.evidence_scheme, rec.evidence_level, rec.escat_tier, rec.evidence_label) == (
        "escat", "II-B", "II-B", "ESCAT II-B")


def test_an_oncokb_evidence_is_not_repeated_as_second_grading(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [
        targeted(item.case, evidence="oncokb:1", oncokb_level="1")])
    assert decision.recommendations[0].oncokb_level is None
    assert decision.recommendations[0].evidence_label == "OncoKB 1"


@pytest.mark.parametrize("extra, field", [
    ({"evidence": "escat:I-A", "evidence_modifiers": ["is"]}, "evidence_modifiers"),
    ({"evidence": "nct:m1B", "evidence_modifiers": ["xx"]}, "evidence_modifiers"),
    ({"evidence": "escat:VI"}, "evidence"),
    ({"evidence": ""}, "evidence"),
])
def test_wrong_evidence_is_reported_on_its_field(team, started_meeting, extra, field):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    with pytest.raises(DecisionInvalid) as error:
        services.save_draft(item, team["secretary"], "Summary", [targeted(item.case, **extra)])
    assert list(error.value.errors) == [f"recommendations-0-{field}"]


def test_form_shows_other_scales_beside_the_level_and_a_bad_trial_id_next_to_its_field_keeping_input(
        client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("Kept summary", [
        targeted(item.case, evidence="nct:m1B", evidence_modifiers="is"),
        {"kind": "clinical_trial", "trial_id": "NCT04613596, 2023-5034-39-00", "trial_title": "Kept title"}])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and latest_decision(item) is None
    assert 'id="recommendations-1-trial_id-error"' in html and "2023-5034-39-00" in html
    assert "Kept title" in html and re.search(r'<option [^>]*selected value="nct:m1B">', html)
    assert re.search(r'<input checked id="recommendations-0-evidence_modifiers-0" [^>]*value="is">', html)
    # The chosen level's nearest levels, and each option's own line for the script.
    assert "Corresponds to: ESCAT II-A" in html and 'data-crosswalk="ESCAT I-A / I-B · OncoKB 1 / 2' in html


def test_the_form_gives_an_m_level_of_resistance_the_levels_of_resistance_only(
        client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("Kept summary", [targeted(item.case, evidence="nct:m1A", evidence_modifiers="R"),
                                      {"kind": "clinical_trial", "trial_id": "NCT123"}])
    html = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data).get_data(as_text=True)
    hint = re.search(r'id="recommendations-0-evidence-hint"[^>]*>(.*?)</', html, re.S).group(1)
    assert hint.strip().endswith("Corresponds to: OncoKB R1")
    # The option's line for the script while R is ticked.
    assert re.search(r'<option [^>]*data-crosswalk-resistance="OncoKB R1"[^>]*value="nct:m1A">', html)


def test_decision_page_shows_the_evidence_its_counterparts_and_links_each_registry_id(
        client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [
        targeted(item.case, evidence="escat:I-A"),
        {"kind": "clinical_trial", "trial_id": "NCT04613596 2015-001234-56 2019-A01234-56", "trial_phase": "1/2"}])
    login(team["secretary"])
    html = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "ESCAT I-A" in html and "Corresponds to: OncoKB 1" in html
    assert 'href="https://clinicaltrials.gov/study/NCT04613596"' in html
    assert 'href="https://www.clinicaltrialsregister.eu/ctr-search/search?query=2015-001234-56"' in html
    assert "ID-RCB <code>2019-A01234-56</code>" in html and "Phase I/II" in html


def test_an_nct_id_typed_with_full_width_digits_is_stored_as_clinicaltrials_gov_writes_it(
        client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    trial = {"kind": "clinical_trial", "trial_id": "NCT０４６１３５９６", "trial_site": "Lyon"}  # an IME's digits
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=form_post("Trial.", [trial]))
    assert response.status_code == 302
    [recommendation] = latest_decision(item).recommendations
    assert recommendation.trial_id == "NCT04613596"
    assert [r.url for r in recommendation.trial_registrations] == ["https://clinicaltrials.gov/study/NCT04613596"]
