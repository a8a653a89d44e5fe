"""The board's case list shows where each case stands."""

from datetime import timedelta

import pytest

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import Meeting


def test_board_list_shows_the_meeting_a_pool_case_is_proposed_for(client, login, clinician, create_case, boards):
    meeting = Meeting(board_id=boards["thoracic"].id, starts_at=utcnow() + timedelta(days=6), duration_minutes=120,
                      cutoff_hours=48)
    db.session.add(meeting)
    create_case()
    login(clinician)
    body = client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert f"/meetings/{meeting.id}" in body
    assert "(proposed)" in body


def test_the_list_shows_each_cases_key_findings_as_the_case_page_labels_them(client, login, clinician, create_case):
    import re
    from decimal import Decimal

    create_case(biomarkers=[
        {"kind": "negative", "not_detected": ["EGFR", "ALK"]},
        {"kind": "fusion", "gene": "EML4", "gene_3p": "ALK", "driver": "3p"},
        {"kind": "tmb", "tmb": Decimal("14.20")},
        {"kind": "pdl1", "pdl1_tps": Decimal("80")},
        {"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys"},
    ])
    login(clinician)
    for url in ("/boards/thoracic/cases", "/cases/mine"):
        body = client.get(url).get_data(as_text=True)
        tags = re.findall(r'<span class="tag">([^<]*)</span>', body)
        # The negative panel is left out; the first three findings in report order, the rest counted.
        assert tags == ["ALK fusion EML4::ALK", "TMB 14.2 mut/Mb", "PD-L1 TPS 80 %"], url
        assert "+1 more" in body


def test_reading_a_case_list_is_audited_with_the_cases_shown(client, login, clinician, create_case):
    import sqlalchemy as sa

    from mtb.audit.models import AuditEvent

    case = create_case()
    login(clinician)
    client.get("/boards/thoracic/cases?q=EGFR")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "case.list")).one()
    assert event.user_id == clinician.id
    assert event.details["cases"] == [case.reference] and event.details["q"] == "EGFR"


def search(client, q, url="/boards/thoracic/cases"):
    from urllib.parse import urlencode

    return client.get(f"{url}?{urlencode({'q': q})}").get_data(as_text=True)


def test_search_finds_what_clinicians_type(client, login, clinician, create_case, other_clinician):
    braf = create_case(patient_name="DUPONT Jean", patient_record_number="IPP0042424", biomarkers=[
        {"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu"}])
    her2 = create_case(biomarkers=[{"kind": "cnv", "gene": "ERBB2", "cnv_type": "amplification"}])
    egfr = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.(Leu858Arg)"}])
    hidden = create_case(board="paediatric", submitter=other_clinician, patient_name="DUPONT Léa",
                         biomarkers=[{"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu"}])
    login(clinician)
    expected = {
        "V600E": {braf}, "p.V600E": {braf}, "v600e": {braf}, "BRAF V600E": {braf}, "Val600Glu": {braf},
        "HER2": {her2}, "her2": {her2}, "ERBB2": {her2},
        "Dupont": {braf}, "dupont jean": {braf}, "IPP0042424": {braf}, "ipp00424": {braf},
        "L858R": {egfr}, "p.(L858R)": {egfr},
        "V600K": set(), "DUPONT Léa": set(),
    }
    everyone = {braf, her2, egfr, hidden}
    for q, cases in expected.items():
        html = search(client, q)
        found = {c for c in everyone if c.reference in html}
        assert found == cases, q
    # PostgreSQL reads a rare text's cases from the index first, a common one while walking
    # the list: both find the same cases.
    from mtb.cases import search as search_index

    for rare_text in (1, 2):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_index, "RARE_TEXT", rare_text)
            for q in ("Dupont", "IPP0042424", "V600E", "HER2"):
                assert {c for c in everyone if c.reference in search(client, q)} == expected[q], (q, rare_text)
    # "My cases" searches the same way; another board's patient never turns up.
    assert braf.reference in search(client, "dupont", "/cases/mine")
    assert hidden.reference not in search(client, "dupont", "/cases/mine")


def test_search_words_are_literal_text(client, login, clinician, create_case):
    case = create_case(diagnosis="Lung adenocarcinoma")
    login(clinician)
    assert case.reference not in search(client, "100%")
    assert case.reference not in search(client, "Lung_adeno")


def test_search_follows_a_renamed_patient_and_a_changed_finding(client, login, clinician, create_case):
    case = create_case(patient_name="DUPONT Jean", biomarkers=[{"kind": "variant", "gene": "BRAF",
                                                              "hgvs_p": "p.Val600Glu"}])
    case.patient_name = "LEBRUN Jean"
    case.biomarkers[0].hgvs_p = "p.Val600Lys"
    db.session.commit()
    login(clinician)
    assert case.reference in search(client, "Lebrun") and case.reference not in search(client, "Dupont")
    assert case.reference in search(client, "V600K") and case.reference not in search(client, "V600E")


def test_search_finds_findings_in_the_words_the_list_labels_them(client, login, clinician, create_case):
    met = create_case(biomarkers=[{"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": 12}])
    met_variant = create_case(biomarkers=[{"kind": "variant", "gene": "MET", "hgvs_c": "c.3028+1G>T"}])
    alk = create_case(biomarkers=[{"kind": "fusion", "gene": "EML4", "gene_3p": "ALK", "driver": "3p"}])
    ros1 = create_case(biomarkers=[{"kind": "fusion", "gene": "ROS1", "partner_unknown": True}])
    tested = create_case(biomarkers=[{"kind": "negative", "not_detected": ["ALK", "ROS1"]},
                                     {"kind": "pdl1", "pdl1_tps": 80}, {"kind": "mmr", "mmr_status": "deficient"},
                                     {"kind": "msi", "msi_status": "MSI-H"}, {"kind": "hrd", "hrd_status": "positive"},
                                     {"kind": "other", "description": "MGMT promoter methylated"}])
    nkx = create_case(biomarkers=[{"kind": "variant", "gene": "NKX2-1", "hgvs_p": "p.Ala12Val"}])
    login(clinician)
    listing = search(client, "")
    assert "MET amplification" in listing and "ALK fusion EML4::ALK" in listing  # the list's own words
    expected = {
        "MET amplification": {met}, "amplification": {met}, "met AMPLIFICATION": {met},
        "ALK fusion EML4::ALK": {alk}, "EML4::ALK": {alk}, "EML4-ALK": {alk}, "EML4/ALK": {alk}, "eml4-alk": {alk},
        "ALK fusion": {alk}, "ALK rearrangement": {alk}, "ROS1 rearrangement": {ros1}, "partner unknown": {ros1},
        "fusion": {alk, ros1}, "ALK": {alk},  # an ALK-negative panel is no ALK finding
        "PD-L1": {tested}, "MMR deficient": {tested}, "MSI-H": {tested}, "HRD positive": {tested},
        "methylated": {tested}, "NKX2-1": {nkx}, "MET": {met, met_variant},
    }
    everyone = {met, met_variant, alk, ros1, tested, nkx}
    for q, cases in expected.items():
        html = search(client, q)
        assert {c for c in everyone if c.reference in html} == cases, q


def test_a_fusion_typed_with_a_hyphen_is_two_genes_only_when_both_are_genes():
    from mtb.cases.queries import search_terms

    assert [t.text for t in search_terms("EML4-ALK KIF5B/RET")] == ["EML4", "ALK", "KIF5B", "RET"]
    assert [t.text for t in search_terms("NKX2-1 MSI-H THO-2026-0042")] == ["NKX2-1", "MSI-H", "THO-2026-0042"]
