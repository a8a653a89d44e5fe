"""What lists print of a case's findings is kept per worker under the case's version
(mtb.cases.briefs): a finding changed by any path shows on the next view of the list and
of the agenda, in the reader's language."""

from __future__ import annotations

from mtb.cases.models import Biomarker, BiomarkerKind, MolecularReport
from mtb.extensions import db

BRAF = [{"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu"}]


def test_a_finding_changed_on_the_case_shows_on_the_next_list_and_agenda(client, login, secretary, create_case,
                                                                      create_meeting):
    case = create_case(biomarkers=BRAF)
    meeting = create_meeting(cases=[case])
    login(secretary)
    assert "BRAF p.Val600Glu" in client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert "BRAF p.Val600Glu" in client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)

    version = case.version
    finding = db.session.get(Biomarker, case.biomarkers[0].id)
    finding.hgvs_p = "p.Val600Lys"  # written without the case form: the case's version moves all the same
    db.session.commit()
    assert case.version == version + 1

    listed = client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert "BRAF p.Val600Lys" in listed and "p.Val600Glu" not in listed
    agenda = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "BRAF p.Val600Lys" in agenda and "p.Val600Glu" not in agenda


def test_a_finding_added_or_removed_moves_the_case_version(create_case):
    case = create_case(biomarkers=BRAF)
    version = case.version
    case.biomarkers.append(Biomarker(position=1, kind=BiomarkerKind.VARIANT, gene="KRAS", hgvs_p="p.Gly12Cys"))
    db.session.commit()
    assert case.version == version + 1
    db.session.delete(case.biomarkers[0])
    db.session.commit()
    assert case.version == version + 2


def test_a_report_renamed_shows_on_the_agenda_its_tmb_names_it(client, login, secretary, create_case, create_meeting):
    from decimal import Decimal

    case = create_case(biomarkers=[])
    meeting = create_meeting(cases=[case])
    report = MolecularReport(position=0, assay="TSO500")
    case.reports.append(report)
    case.biomarkers.append(Biomarker(position=0, kind=BiomarkerKind.TMB, tmb=Decimal("14.2"), report=report))
    db.session.commit()
    login(secretary)
    assert "TMB 14.2 mut/Mb (TSO500)" in client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    report.assay = "FoundationOne CDx"
    db.session.commit()
    agenda = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "TMB 14.2 mut/Mb (FoundationOne CDx)" in agenda and "TSO500" not in agenda


def test_each_reader_sees_the_findings_in_their_language(client, login, secretary, create_case, create_meeting):
    case = create_case(biomarkers=[{"kind": "negative", "not_detected": ["EGFR", "ALK"]}, *BRAF])
    meeting = create_meeting(cases=[case])
    login(secretary)
    assert "Not detected: EGFR, ALK" in client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    secretary.locale = "fr"
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Non détecté : EGFR, ALK" in page and "Not detected" not in page
