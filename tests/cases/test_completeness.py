"""Each board says what a submission must carry; the form, the submit page and the
agenda builder's pool list what is missing."""

from __future__ import annotations

import pytest

from mtb.boards import services as boards_service
from mtb.boards.services import get_board
from mtb.cases.completeness import missing, shown
from mtb.cases.findings import Biomarker, BiomarkerKind, MolecularReport, SpecimenType, VariantOrigin
from mtb.cases.models import GermlineConsent
from mtb.extensions import db

THORACIC = ["EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET", "RET", "NTRK", "PD-L1"]


def _marker(kind, **fields):
    return Biomarker(kind=BiomarkerKind(kind), **fields)


def test_a_gene_is_covered_by_a_finding_a_fusion_partner_or_a_not_detected_entry():
    markers = [
        _marker("variant", gene="EGFR"),
        _marker("fusion", gene="EML4", gene_3p="ALK"),
        _marker("negative", not_detected=["ROS1", "BRAF", "KRAS", "MET exon 14", "RET"]),
        _marker("pdl1"),
    ]
    assert missing(THORACIC, markers) == ["NTRK"]


def test_nothing_reported_misses_everything_in_the_boards_order():
    assert missing(THORACIC, []) == THORACIC


def test_germline_is_covered_by_a_germline_report_or_variant():
    assert missing(["germline"], []) == ["germline"]
    assert missing(["germline"], [], [MolecularReport(specimen_type=SpecimenType.BLOOD)]) == []
    assert missing(["germline"], [_marker("variant", gene="TP53", origin=VariantOrigin.GERMLINE)]) == []


def test_every_requirement_a_board_may_choose_can_be_met():
    """The settings page offers ``COMPLETENESS_ITEMS`` besides gene symbols; the check must
    know what covers each, or a case would stay "incomplete" whatever was reported."""
    from mtb.boards.models import COMPLETENESS_ITEMS

    one_of_each = [_marker(kind.value) for kind in BiomarkerKind] + [
        _marker("variant", gene="BRCA2", origin=VariantOrigin.GERMLINE)]
    for item in COMPLETENESS_ITEMS:
        assert missing([item], []) == [item]
        assert any(missing([item], [marker]) == [] for marker in one_of_each), item


def test_msi_is_covered_by_mmr_immunohistochemistry():
    assert missing(["MSI", "TMB"], [_marker("mmr")]) == ["TMB"]


@pytest.fixture
def thoracic_requirements(app):
    board = boards_service.get_board("thoracic")
    board.completeness_requirements = ["EGFR", "ALK", "PD-L1"]
    db.session.commit()


def test_the_submit_page_lists_what_is_missing(client, login, clinician, create_case, thoracic_requirements):
    case = create_case(status="draft", submitter=clinician)
    login(clinician)
    html = client.get(f"/cases/{case.id}/submit").get_data(as_text=True)
    assert "Missing: ALK, PD-L1" in html
    # It informs and does not block.
    assert "Submit the case" in html


def test_the_case_form_lists_what_the_rows_typed_leave_missing(client, login, clinician, create_case,
                                                               thoracic_requirements):
    case = create_case(status="draft", submitter=clinician,
                       biomarkers=[{"kind": "variant", "gene": "EGFR"}, {"kind": "pdl1", "pdl1_tps": 50}])
    login(clinician)
    html = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert "Missing: ALK" in html and "PD-L1," not in html.split("Missing:")[1][:40]
    assert "Missing:" in client.get("/boards/thoracic/cases/new").get_data(as_text=True)


def test_the_secretary_sees_what_is_missing_in_the_pool(client, login, team, create_case, create_meeting,
                                                        thoracic_requirements):
    create_case(status="submitted")
    meeting = create_meeting()
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "incomplete" in html and "Missing: ALK, PD-L1" in html


def test_a_board_without_requirements_shows_nothing(client, login, clinician, create_case):
    case = create_case(status="draft", submitter=clinician)
    login(clinician)
    assert "Missing:" not in client.get(f"/cases/{case.id}/submit").get_data(as_text=True)


def test_germline_is_covered_by_the_recorded_consent_status_and_shown_in_words(client, login, clinician, create_case,
                                                                                   make_user):
    assert missing(["germline"], [], germline_consent=GermlineConsent.NOT_ASKED) == []
    assert shown(["EGFR", "germline"]) == ["EGFR", "germline testing consent status"]
    paediatrician = make_user("paed@example.org", {"paediatric": ["clinician"]})
    board = get_board("paediatric")
    board.completeness_requirements = ["germline"]
    case = create_case(submitter=paediatrician, board="paediatric", status="draft")
    login(paediatrician)
    page = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert "germline testing consent status" in page and 'name="germline_consent"' in page
    case.germline_consent = GermlineConsent.PENDING
    db.session.commit()
    assert "germline testing consent status" not in client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert "Asked, answer pending" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_not_detected_list_typed_one_per_line_covers_its_genes_on_the_form():
    """The form's rows are read as the case's own checks read them: commas, semicolons or lines."""
    from types import SimpleNamespace

    from mtb.cases.completeness import missing_in_form

    def row(**values):
        return SimpleNamespace(form=SimpleNamespace(**{k: SimpleNamespace(data=v) for k, v in values.items()}))

    form = SimpleNamespace(biomarkers=[row(kind="negative", not_detected="EGFR\nALK; ROS1\r\nBRAF, KRAS")], reports=[])
    board = SimpleNamespace(completeness_requirements=["EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET"])
    assert missing_in_form(board, form) == ["MET"]
