"""The review of a VCF checks only the rows it shows, and the import only the rows ticked:
each check looks gene symbols up in the database, and a file proposes many rows the
filters hide. The file is read once per request, each row checked once."""

from pathlib import Path

import pytest

from mtb.cases import services, vcf_import
from mtb.cases.uploads import Upload
from mtb.extensions import db

DATA = Path(__file__).parent / "data" / "vcf"
HEADER = (DATA / "vep_tumour_normal.vcf").read_text().split("#CHROM")[0]
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n"
GENES = ("KRAS", "NRAS", "PIK3CA", "TP53", "EGFR", "ERBB2", "MET", "STK11", "KEAP1", "SMAD4")


def csq(gene: str, hgvs_c: str, hgvs_p: str) -> str:
    return (f"T|missense_variant|MODERATE|{gene}||Transcript|ENST00000288602.11|protein_coding|2/5||"
            f"ENST00000288602.11:{hgvs_c}|ENSP00000493543.1:{hgvs_p}|||||||||||||YES||")


def vcf_hiding(hidden: int, *, bad_hgvs: bool = False) -> bytes:
    """A PASS BRAF call, then ``hidden`` calls the default filters hide (not PASS)."""
    lines = ["chr7\t140753336\t.\tA\tT\t.\tPASS\tCSQ=" + csq("BRAF", "c.1799T>A" if not bad_hgvs else "c.17XX",
                                                              "p.Val600Glu") + "\tGT:AD\t0/1:200,140\t0/0:90,0\n"]
    for i in range(hidden):
        gene = GENES[i % len(GENES)]
        lines.append(f"chr1\t{1000 + i}\t.\tA\tT\t.\tweak_evidence\tCSQ=" + csq(gene, f"c.{100 + i}A>T", "p.Lys34Asn")
                     + "\tGT:AD\t0/1:200,40\t0/0:90,0\n")
    return (HEADER + COLUMNS + "".join(lines)).encode()


@pytest.fixture
def two_files(case_with):
    """A case with two VCFs attached: one hiding 2 rows, one hiding 40."""
    case, few, clinician = case_with("few_hidden.vcf", data=vcf_hiding(2))
    many, = services.add_attachments(case, clinician, [Upload("many_hidden.vcf", vcf_hiding(40))])
    db.session.commit()
    return case, few, many, clinician


@pytest.fixture
def checks(monkeypatch):
    """The rows the case form's checks ran on, by key, in order."""
    seen: list[str] = []
    check = vcf_import.check_biomarker

    def counting(values, prefix, problems):
        seen.append(prefix.removeprefix("row-"))
        return check(values, prefix, problems)

    monkeypatch.setattr(vcf_import, "check_biomarker", counting)
    return seen


def test_the_review_page_costs_the_same_statements_however_many_rows_the_filters_hide(
        client, login, two_files, query_counter):
    case, few, many, clinician = two_files
    login(clinician)
    counts = []
    for attachment, hidden in ((few, 2), (many, 40)):
        url = f"/cases/{case.id}/attachments/{attachment.id}/variants"
        client.get(url)  # anything loaded once per process
        with query_counter() as statements:
            page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, html[:2000]
        assert f"{hidden} more rows are hidden by the filters above." in html
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_review_checks_only_the_rows_it_shows(client, login, two_files, checks):
    case, _few, many, clinician = two_files
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{many.id}/variants")
    assert page.status_code == 200
    assert len(checks) == 1  # the BRAF call; the 40 weak_evidence calls are only counted


def test_the_import_checks_only_the_ticked_rows_once_each(client, login, two_files, checks):
    case, _few, many, clinician = two_files
    login(clinician)
    line = len(HEADER.splitlines()) + 2  # the BRAF call's line, after the column header
    response = client.post(f"/cases/{case.id}/attachments/{many.id}/variants",
                           data={"row": [str(line)], "version": case.version, "filtered": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert checks == [str(line)]
    assert [b.gene for b in case.biomarkers] == ["BRAF"]


def test_a_ticked_row_the_checks_refuse_is_shown_again_without_reading_the_file_twice(
        client, login, case_with, checks, monkeypatch):
    case, attachment, clinician = case_with("bad_hgvs.vcf", data=vcf_hiding(3, bad_hgvs=True))
    reads = []
    read_vcf = vcf_import.read_vcf
    monkeypatch.setattr(vcf_import, "read_vcf", lambda data: reads.append(1) or read_vcf(data))
    login(clinician)
    line = str(len(HEADER.splitlines()) + 2)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": [line], "version": case.version, "filtered": "1", "pass_only": "y",
                                 "relevant_only": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:2000]
    assert "Some ticked rows do not pass the checks of the case form" in html
    assert f'id="row-{line}"' in html and "3 more rows are hidden by the filters above." in html
    assert len(reads) == 1 and checks == [line]
    assert not case.biomarkers
