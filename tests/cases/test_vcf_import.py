"""Importing variants from an attached VCF: the review page proposes checked rows, the
ticked ones are added with where they come from; bad files give a message and no rows."""

import hashlib
from pathlib import Path

import sqlalchemy as sa

from mtb.cases.findings import GenomeBuild
from mtb.cases.models import Biomarker, CaseEvent
from mtb.cases.vcf_import import ImportFilters, review
from mtb.extensions import db
from tests.fixtures.cases import MINIMAL_PDF

DATA = Path(__file__).parent / "data" / "vcf"


def review_url(case, attachment, **query):
    return f"/cases/{case.id}/attachments/{attachment.id}/variants", query


def test_review_lists_the_pass_protein_altering_rows_with_their_checks(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    for text in ("NM_004333.6:c.1799T&gt;A", "NM_005228.5:c.2573T&gt;G", "TP53", "41.60 %", "VEP", "GRCh38"):
        assert text in html
    assert "c.34G&gt;T" not in html  # KRAS is weak_evidence: hidden by "PASS records only"
    assert "2 more rows are hidden by the filters above." in html
    assert 'value="23"' in html  # the BRAF record's line is the row's key
    # Loosening the filters shows the filtered KRAS call too.
    loose = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                       query_string={"filtered": "1", "relevant_only": "y"})
    assert "c.34G&gt;T" in loose.get_data(as_text=True)


def test_a_vaf_floor_is_read_as_people_type_it_and_nonsense_is_said(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    url = f"/cases/{case.id}/attachments/{attachment.id}/variants"
    html = client.get(url, query_string={"vaf_min": " 40,5 %"}).get_data(as_text=True)
    assert "c.1799T&gt;A" in html and "c.2573T&gt;G" not in html  # BRAF 41.6 % kept, EGFR 39.1 % hidden
    for typed in ("abc", "NaN", "150"):
        page = client.get(url, query_string={"vaf_min": typed})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "A VAF floor is a percentage between 0 and 100, e.g. 5." in html and "c.2573T&gt;G" in html


def test_ticked_rows_are_added_with_their_provenance(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["23", "22"], "version": case.version, "filtered": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rows = db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)
                              .order_by(Biomarker.position)).all()
    assert [(b.gene, b.transcript, b.hgvs_c, b.hgvs_p, str(b.vaf)) for b in rows] == [
        ("EGFR", "NM_005228.5", "c.2573T>G", "p.Leu858Arg", "39.1000"),
        ("BRAF", "NM_004333.6", "c.1799T>A", "p.Val600Glu", "41.6000"),
    ]
    braf = rows[1]
    assert braf.protein_reference == "ENSP00000493543.1"
    assert (braf.source_file, braf.source_line) == ("vep_tumour_normal.vcf", 23)
    assert braf.source_sha256 == hashlib.sha256((DATA / "vep_tumour_normal.vcf").read_bytes()).hexdigest()
    assert braf.report is not None and braf.report.assay == "TSO500"
    assert braf.origin.value == "somatic"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "BRAF NM_004333.6:c.1799T&gt;A p.Val600Glu" in page
    assert "Imported from vep_tumour_normal.vcf, line 23" in page
    assert db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "edited"))


def test_a_row_already_on_the_case_is_marked_and_not_ticked(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                data={"row": ["23"], "version": case.version, "filtered": "1"})
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants").get_data(as_text=True)
    assert "already on the case" in html
    assert 'name="row" value="23" id="row-23" checked' not in html
    assert 'name="row" value="22" id="row-22" checked' in html


def test_nothing_ticked_is_said_and_nothing_added(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"version": case.version, "filtered": "1"})
    assert response.status_code == 422
    assert "Tick at least one row to add." in response.get_data(as_text=True)
    assert not db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)).all()


def test_a_stale_review_is_a_conflict(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["23"], "version": case.version - 1 or 99, "filtered": "1"})
    assert response.status_code == 409
    assert "review the rows again" in response.get_data(as_text=True)


def test_a_post_without_the_reviewed_version_is_refused_like_a_stale_review(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    for version in (None, ""):
        data = {"row": ["23"], "filtered": "1"} | ({} if version is None else {"version": version})
        response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants", data=data)
        assert response.status_code == 409
        assert "does not say which version of the case the rows were reviewed on" in response.get_data(as_text=True)
    assert not db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)).all()


def test_another_genome_build_is_refused_with_no_rows(client, login, case_with):
    case, attachment, clinician = case_with("snpeff_grch37.vcf", GenomeBuild.GRCH38)
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "This VCF&#39;s records are on GRCh37, but the case&#39;s report is on GRCh38" in html
    assert 'name="row"' not in html
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["21"], "version": case.version})
    assert response.status_code == 422
    assert not db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)).all()


def test_snpeff_file_on_the_reports_build_proposes_the_fusion_and_amplification(client, login, case_with):
    case, attachment, clinician = case_with("snpeff_grch37.vcf", GenomeBuild.GRCH37)
    login(clinician)
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants").get_data(as_text=True)
    assert "EML4::ALK" in html and "amplification" in html and "SnpEff" in html
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["23", "24"], "version": case.version, "filtered": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    kinds = {b.kind.value: b for b in db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id))}
    assert kinds["cnv"].gene == "MET" and kinds["cnv"].cnv_type.value == "amplification"
    assert (kinds["fusion"].gene, kinds["fusion"].gene_3p, kinds["fusion"].driver.value) == ("EML4", "ALK", "3p")


def test_vcf_without_annotations_gets_a_clear_message(client, login, case_with):
    case, attachment, clinician = case_with("no_annotation.vcf")
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants")
    assert page.status_code == 422
    assert "This VCF has no annotations" in page.get_data(as_text=True)


def test_malformed_line_is_named_and_the_good_records_kept(client, login, case_with):
    case, attachment, clinician = case_with("vep_windows_malformed.vcf")
    login(clinician)
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants").get_data(as_text=True)
    assert "1 line could not be read and was left out:" in html and "line 23:" in html
    assert "NM_004333.6:c.1799T&gt;A" in html


def test_a_pdf_is_not_read_as_a_vcf(client, login, case_with):
    case, attachment, clinician = case_with("report.pdf", data=MINIMAL_PDF)
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants")
    assert page.status_code == 422
    assert "report.pdf is not a VCF" in page.get_data(as_text=True)


def test_a_board_member_who_cannot_edit_the_case_cannot_import(client, login, case_with, make_user):
    case, attachment, _clinician = case_with("vep_tumour_normal.vcf", status="submitted")
    member = make_user("member@example.org", {"thoracic": ["member"]})
    login(member)
    assert client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants").status_code == 403
    assert client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                       data={"row": ["23"], "version": case.version}).status_code == 403


def test_both_alleles_of_a_multiallelic_record_are_proposed_and_added_with_their_own_vaf(client, login, case_with):
    head = (DATA / "vep_tumour_normal.vcf").read_text().split("#CHROM")[0]
    csq = ("{a}|missense_variant|MODERATE|KRAS|ENSG00000133703|Transcript|ENST00000256078.10|protein_coding|2/6||"
           "ENST00000256078.10:{c}|ENSP00000256078.5:{p}|||||||||-1||HGNC|HGNC:6407|YES|NM_033360.4|")
    data = (head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n"
            + "chr12\t25245351\t.\tC\tA,T\t.\tPASS\tCSQ=" + csq.format(a="A", c="c.34G>T", p="p.Gly12Cys") + ","
            + csq.format(a="T", c="c.34G>A", p="p.Gly12Ser") + "\tGT:AD:AF:DP\t0/1/2:50,10,40:0.1,0.4:100"
            + "\t0/0:164,0,0:0,0:164\n").encode()
    case, attachment, clinician = case_with("multiallelic.vcf", data=data)
    login(clinician)
    url = f"/cases/{case.id}/attachments/{attachment.id}/variants"
    html = client.get(url).get_data(as_text=True)
    assert "p.Gly12Cys" in html and "p.Gly12Ser" in html and "10.00 %" in html and "40.00 %" in html
    line = data.decode().count("\n")
    response = client.post(url, data={"row": [str(line), f"{line}-2"], "version": case.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)
                                .order_by(Biomarker.position)).all()
    assert [(b.hgvs_p, str(b.vaf), b.source_line) for b in stored] == [
        ("p.Gly12Cys", "10.0000", line), ("p.Gly12Ser", "40.0000", line)]


# --- Copy-number calls as callers write them (a review's cases) ----------------------------

_CNV_HEAD = """##fileformat=VCFv4.2
##reference=GRCh38
##FILTER=<ID=PASS,Description="All filters passed">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##INFO=<ID=CN,Number=1,Type=Float,Description="Copy number">
##INFO=<ID=LOG2,Number=1,Type=Float,Description="log2">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|CANONICAL|MANE_SELECT">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	TUMOR
"""


def _csq(*genes):
    return ",".join(f"deletion|transcript_ablation|HIGH|{gene}|ENSG{i}|Transcript|ENST{i}|protein_coding||||||YES|"
                    for i, gene in enumerate(genes))


def test_a_deletion_over_several_genes_proposes_each_gene(case_with):
    """The 9p21 deletion over MTAP, CDKN2A and CDKN2B: the board decides on CDKN2A."""
    line = f"chr9\t21800000\t.\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=22010000;CN=0;LOG2=-4.1;CSQ={_csq('MTAP', 'CDKN2A', 'CDKN2B')}\tGT\t1/1"
    case, attachment, _clinician = case_with("deletion.vcf", data=(_CNV_HEAD + line + "\n").encode())
    found = review(case, attachment, filters=ImportFilters(pass_only=False, relevant_only=False))
    assert [(row.checked_values["gene"], row.checked_values["cnv_type"].value) for row in found.shown] == [
        ("MTAP", "deletion"), ("CDKN2A", "deletion"), ("CDKN2B", "deletion")]
    assert len({row.key for row in found.shown}) == 3


def test_a_copy_number_call_with_only_a_negative_ratio_is_a_loss(case_with):
    line = f"chr10\t87860000\t.\tN\t<CNV>\t.\tPASS\tSVTYPE=CNV;END=87970000;LOG2=-1.1;CSQ={_csq('PTEN')}\tGT\t./."
    case, attachment, _clinician = case_with("pten.vcf", data=(_CNV_HEAD + line + "\n").encode())
    [row] = review(case, attachment, filters=ImportFilters(pass_only=False, relevant_only=False)).shown
    assert row.checked_values["cnv_type"].value == "loss" and not row.errors
