"""Pages issue a fixed number of SQL statements however many rows they show,
and never load attachment bytes."""

import pytest

from mtb.cases import services
from mtb.cases.uploads import check_upload
from mtb.extensions import db
from tests.fixtures.cases import MINIMAL_PDF

MARKERS = [{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Leu858Arg", "vaf": 30},
           {"kind": "pdl1", "pdl1_tps": 50}]


def statements_for(client, url, query_counter):
    with query_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_board_case_list_issues_the_same_statements_for_5_and_50_cases(app, client, member, login, create_case,
                                                                       query_counter, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)
    login(member)
    for _ in range(5):
        create_case(biomarkers=MARKERS)
    few = statements_for(client, "/boards/thoracic/cases", query_counter)
    for _ in range(45):
        create_case(biomarkers=MARKERS)
    many = statements_for(client, "/boards/thoracic/cases", query_counter)
    assert client.get("/boards/thoracic/cases").get_data(as_text=True).count('class="badge badge-submitted"') == 50
    assert len(many) == len(few)


@pytest.mark.parametrize("q", ["egfr", "L858R martin", "HER2", "IPP0012345", "EML4-ALK", "MET amplification"])
def test_my_cases_issues_the_same_statements_for_5_and_50_cases(app, client, clinician, login, create_case,
                                                                query_counter, monkeypatch, q):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)
    login(clinician)
    for _ in range(5):
        create_case(submitter=clinician, biomarkers=MARKERS)
    few = statements_for(client, f"/cases/mine?q={q}", query_counter)
    for _ in range(45):
        create_case(submitter=clinician, biomarkers=MARKERS)
    many = statements_for(client, f"/cases/mine?q={q}", query_counter)
    assert len(many) == len(few)


def make_case(create_case, count):
    case = create_case(biomarkers=[dict(MARKERS[i % 2]) for i in range(count)])
    for i in range(count):
        services.attach_file(case, case.submitter, check_upload(f"report-{i}.pdf", MINIMAL_PDF, 10_000), None)
    db.session.commit()
    return case


def test_case_page_issues_the_same_statements_for_2_and_20_biomarkers_and_files(client, member, login, create_case,
                                                                               query_counter):
    small, large = make_case(create_case, 2), make_case(create_case, 20)
    login(member)
    for case in (small, large):  # warm up anything loaded once per process, or kept per case (mtb.fragments)
        client.get(f"/cases/{case.id}")
    few = statements_for(client, f"/cases/{small.id}", query_counter)
    many = statements_for(client, f"/cases/{large.id}", query_counter)
    assert len(many) == len(few)
    assert not any("attachments.data" in s for s in few + many), "a page loaded attachment bytes"


@pytest.mark.parametrize("common_from", [1, 1000])
def test_a_gene_search_finds_the_same_cases_whether_the_gene_is_common_or_rare(client, member, login, create_case,
                                                                                monkeypatch, common_from):
    """A common finding is checked case by case as the list is walked, a rare one read from
    its index (mtb.cases.queries._carrying): both answer the same."""
    from mtb.cases import queries

    monkeypatch.setattr(queries, "COMMON_FINDING", common_from)
    carriers = [create_case(biomarkers=MARKERS).reference for _ in range(3)]
    other = create_case(biomarkers=[{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys", "vaf": 20}]).reference
    login(member)
    html = client.get("/boards/thoracic/cases?q=EGFR").get_data(as_text=True)
    assert all(ref in html for ref in carriers) and other not in html
    html = client.get("/boards/thoracic/cases?q=L858R").get_data(as_text=True)
    assert all(ref in html for ref in carriers) and other not in html
