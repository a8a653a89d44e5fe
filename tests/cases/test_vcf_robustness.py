"""Files that must not break the import: a gzip that expands beyond reason, odd values
in records (value-less flags, non-integer depths, breakends), multi-allelic records; and
what the import keeps honest: the case form's row limit, germline-looking calls."""

import gzip
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from mtb.cases import vcf as vcf_module
from mtb.cases import vcf_import, vcf_rows
from mtb.cases.models import Biomarker
from mtb.cases.vcf import read_vcf
from mtb.cases.vcf_rows import propose
from mtb.extensions import db

DATA = Path(__file__).parent / "data" / "vcf"
HEADER = (DATA / "vep_tumour_normal.vcf").read_text().split("#CHROM")[0]
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n"


def csq(allele, gene, hgvs_c, hgvs_p):
    return (f"{allele}|missense_variant|MODERATE|{gene}||Transcript|ENST1|protein_coding|2/5||ENST1:{hgvs_c}|"
            f"ENSP1:{hgvs_p}|||||||||||||YES||")


def test_a_gzip_that_expands_beyond_the_limit_is_refused_with_a_message(client, login, case_with, monkeypatch):
    monkeypatch.setattr(vcf_module, "MAX_TEXT_BYTES", 200_000)
    bomb = gzip.compress(HEADER.encode() + COLUMNS.encode() + b"#" * 5_000_000)
    assert len(bomb) < 20_000
    case, attachment, clinician = case_with("bomb.vcf.gz", data=bomb)
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants")
    assert page.status_code == 422
    assert "once decompressed: too large to review" in page.get_data(as_text=True)


def test_a_gzip_within_the_limit_and_a_cut_short_one(app):
    good = (DATA / "vep_tumour_normal.vcf.gz").read_bytes()
    assert len(read_vcf(good).records) == 6
    try:
        read_vcf(good[: len(good) // 2])
    except vcf_module.VcfRefused as refused:
        assert "cannot be decompressed" in refused.message
    else:
        raise AssertionError("a truncated gzip was read")


def test_only_the_first_bad_lines_are_listed_and_the_rest_counted(client, login, case_with, monkeypatch):
    text = (DATA / "vep_tumour_normal.vcf").read_text() + "garbage\n" * 60
    case, attachment, clinician = case_with("many_bad.vcf", data=text.encode())
    login(clinician)
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants").get_data(as_text=True)
    assert "60 lines could not be read and were left out:" in html
    assert html.count("<li>line ") == 50
    assert "and 10 more lines, not listed." in html
    assert "NM_004333.6:c.1799T&gt;A" in html


def test_odd_values_do_not_break_the_review_and_good_records_are_proposed(client, login, case_with):
    # A value-less CSQ flag, a value-less MATEID, a breakend ALT on an INV record, letters in AD.
    case, attachment, clinician = case_with("vep_odd_values.vcf")
    login(clinician)
    page = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                      query_string={"filtered": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:3000]
    for text in ("NM_004333.6:c.1799T&gt;A", "c.818G&gt;A", "c.2573T&gt;G"):
        assert text in html


def test_an_unexpected_error_in_one_record_lists_its_line_and_keeps_the_others(app, monkeypatch):
    original = vcf_rows._variant

    def fragile(item, *args):
        if item.record.POS == 140753336:
            raise TypeError("unexpected value")
        return original(item, *args)

    monkeypatch.setattr(vcf_rows, "_variant", fragile)
    vcf = read_vcf((DATA / "vep_tumour_normal.vcf").read_bytes())
    proposal = propose(vcf)
    assert [line for line, _problem in vcf.bad_lines] == [23]
    assert "unexpected value" in vcf.bad_lines[0][1]
    assert "BRAF" not in {r.gene for r in proposal.rows} and "TP53" in {r.gene for r in proposal.rows}


def test_an_import_beyond_the_case_forms_rows_is_refused_and_adds_nothing(client, login, case_with, monkeypatch):
    assert vcf_import.MAX_BIOMARKERS == 60  # the case form's limit
    monkeypatch.setattr(vcf_import, "MAX_BIOMARKERS", 1)
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["23", "22"], "version": case.version, "filtered": "1"})
    assert response.status_code == 422
    assert "A case holds at most 1 biomarker rows" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Biomarker)
                             .where(Biomarker.case_id == case.id)) == 0


def test_a_call_present_in_the_normal_sample_is_not_made_somatic_and_is_flagged(client, login, case_with):
    vcf = read_vcf((DATA / "vep_tumour_normal.vcf").read_bytes())
    rows = {r.values.get("hgvs_c"): r for r in propose(vcf).rows}
    synonymous = next(r for c, r in rows.items() if c and c.endswith("c.2361G>A"))  # normal AD 75,77
    assert "origin" not in synonymous.values
    assert "possibly germline" in synonymous.warnings["origin"][0]
    assert rows["c.1799T>A"].values["origin"] == "somatic"  # normal AD 0
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                      query_string={"filtered": "1"}).get_data(as_text=True)
    assert "Present in the normal sample (VAF 50.70 %): possibly germline." in html


def test_a_normal_vaf_between_2_and_10_percent_leaves_the_origin_blank(app):
    line = ("chr17\t7673802\t.\tC\tT\t.\tPASS\tCSQ=" + csq("T", "TP53", "c.818G>A", "p.Arg273His")
            + "\tGT:AD\t0/1:118,212\t0/0:95,5\n")
    proposal = propose(read_vcf((HEADER + COLUMNS + line).encode()))
    assert proposal.rows[0].gene == "TP53"
    assert "origin" not in proposal.rows[0].values and not proposal.rows[0].warnings


def test_multi_allelic_records_pair_each_allele_with_its_own_annotation(app):
    lines = (
        # A deletion and an insertion: VEP strips the shared first base ("-" and "TT").
        "chr12\t25245350\t.\tAT\tA,ATT\t.\tPASS\tCSQ=" + csq("TT", "KRAS", "c.35dup", "p.Gly13fs") + ","
        + csq("-", "KRAS", "c.35del", "p.Gly12fs") + "\tGT:AD\t0/1:50,20,5\t0/0:40,0,0\n"
        # No annotation for the first ALT: the second is proposed, the first named.
        "chr17\t7673802\t.\tC\tG,T\t.\tPASS\tCSQ=" + csq("T", "TP53", "c.818G>A", "p.Arg273His")
        + "\tGT:AD\t0/1:50,20,30\t0/0:40,0,0\n"
        # An annotation for none of its alleles: not importable.
        "chr17\t7673803\t.\tG\tA,C\t.\tPASS\tCSQ=" + csq("T", "TP53", "c.817C>T", "p.Arg273Cys")
        + "\tGT:AD\t0/1:50,20,30\t0/0:40,0,0\n"
    )
    vcf = read_vcf((HEADER + COLUMNS + lines).encode())
    proposal = propose(vcf)
    rows = [(r.gene, r.values["hgvs_c"], r.vaf) for r in proposal.rows]
    assert rows == [("KRAS", "ENST1:c.35del", Decimal("26.67")), ("KRAS", "ENST1:c.35dup", Decimal("6.67")),
                    ("TP53", "ENST1:c.818G>A", Decimal("30.00"))]
    assert [alleles for _line, alleles in proposal.other_alleles] == ["C>G"]
    assert [line for line, _problem in vcf.bad_lines] == [22]
    assert "no annotation for any of them" in vcf.bad_lines[0][1]


def test_a_file_past_the_record_limit_says_how_many_records_were_left_unread(client, login, case_with, monkeypatch):
    monkeypatch.setattr(vcf_module, "MAX_RECORDS", 2)
    vcf = read_vcf((DATA / "vep_tumour_normal.vcf").read_bytes())
    assert (len(vcf.records), vcf.unread, vcf.bad_count) == (2, 4, 0)
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    html = client.get(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                      query_string={"filtered": "1"}).get_data(as_text=True)
    assert "Only the first 2 records were read: 4 more records were left unread." in html
    assert "could not be read" not in html


def test_fusion_mates_are_paired_by_their_ids_wherever_they_are_in_the_file(app):
    lines = (
        "chr2\t29446394\tbnd_b\tA\tA]chr2:42522656]\t.\tPASS\tSVTYPE=BND;MATEID=bnd_a;CSQ="
        + csq("A]chr2:42522656]", "ALK", "", "") + "\tGT\t0/1\t0/0\n"
        "chr17\t7673802\t.\tC\tT\t.\tPASS\tCSQ=" + csq("T", "TP53", "c.818G>A", "p.Arg273His")
        + "\tGT:AD\t0/1:118,212\t0/0:95,0\n"
        "chr2\t42522656\tbnd_a\tG\tG]chr2:29446394]\t.\tPASS\tSVTYPE=BND;MATEID=bnd_b;CSQ="
        + csq("G]chr2:29446394]", "EML4", "", "") + "\tGT\t0/1\t0/0\n"
    )
    proposal = propose(read_vcf((HEADER + COLUMNS + lines).encode()))
    fusions = [(r.values.get("gene"), r.values.get("gene_3p")) for r in proposal.rows if r.kind.value == "fusion"]
    # One row per pair, on the first mate's line, genes from each mate: ALK's breakend comes
    # first in the genome, but the fusion is EML4::ALK.
    assert fusions == [("EML4", "ALK")]


def test_a_fusion_is_oriented_by_its_partners_and_an_unknown_pair_is_flagged(app):
    from mtb.cases.vocab import fusion_order as oriented

    assert oriented("NTRK3", "ETV6") == ("ETV6", "NTRK3", True)
    assert oriented("KIAA1549", "BRAF") == ("KIAA1549", "BRAF", True)
    assert oriented("ALK", "NOVEL1") == ("NOVEL1", "ALK", True)  # a new partner of a known driver
    assert oriented("GENEA", "GENEB") == ("GENEA", "GENEB", False)  # nothing says: the file's order, checked
    assert oriented("ALK", None) == ("ALK", None, True)
    lines = (
        "chr1\t1000\tbnd_x\tA\tA]chr3:5000]\t.\tPASS\tSVTYPE=BND;MATEID=bnd_y;CSQ="
        + csq("A]chr3:5000]", "CLTC", "", "") + "\tGT\t0/1\t0/0\n"
        "chr3\t5000\tbnd_y\tG\tG]chr1:1000]\t.\tPASS\tSVTYPE=BND;MATEID=bnd_x;CSQ="
        + csq("G]chr1:1000]", "VPS18", "", "") + "\tGT\t0/1\t0/0\n"
    )
    fusion = next(r for r in propose(read_vcf((HEADER + COLUMNS + lines).encode())).rows if r.kind.value == "fusion")
    assert (fusion.values["gene"], fusion.values["gene_3p"]) == ("CLTC", "VPS18")
    assert any("does not say which partner is 5" in m for m in fusion.warnings["gene"])


def test_a_callers_copy_number_and_log2_ratio_are_kept_to_the_findings_decimals_and_said(client, login, case_with):
    """CNVkit writes LOG2=1.58496: proposed as 1.58 with a note, and importable (the case form
    refuses more decimals than it keeps from a typist, not from a file)."""
    line = ("chr7\t116672196\t.\tN\t<AMP>\t.\tPASS\tSVTYPE=AMP;END=116798377;CN=6.333;LOG2=1.58496;CSQ="
            + csq("AMP", "MET", "", "").replace("missense_variant", "feature_amplification")
            + "\tGT\t./.\t./.\n")
    case, attachment, clinician = case_with("cnv.vcf", data=(HEADER + COLUMNS + line).encode())
    login(clinician)
    url = f"/cases/{case.id}/attachments/{attachment.id}/variants"
    html = client.get(url, query_string={"filtered": "1", "relevant_only": "y"}).get_data(as_text=True)
    assert "The file gives 1.58496; kept to 2 decimals." in html and "The file gives 6.333; kept to 2 decimals." in html
    line_number = (HEADER + COLUMNS).count("\n") + 1
    response = client.post(url, data={"row": [str(line_number)], "version": case.version, "filtered": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    (met,) = db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id, Biomarker.gene == "MET"))
    assert (met.copy_number, met.log2_ratio) == (Decimal("6.33"), Decimal("1.58"))
