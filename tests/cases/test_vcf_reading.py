"""Reading the lab's VCF: VEP and SnpEff annotations, the tumour sample of a pair,
gzip, Windows line endings, a malformed line, copy number and fusions; and what is refused."""

from decimal import Decimal
from pathlib import Path

import pytest

from mtb.cases.findings import BiomarkerKind, GenomeBuild
from mtb.cases.vcf import VcfRefused, read_vcf
from mtb.cases.vcf_import import ImportFilters
from mtb.cases.vcf_rows import propose

DATA = Path(__file__).parent / "data" / "vcf"


def rows_of(name, sample=None):
    vcf = read_vcf((DATA / name).read_bytes())
    return vcf, propose(vcf, sample)


def by_gene(proposal):
    return {row.gene: row for row in proposal.rows}


def test_vep_pair_gives_the_mane_transcript_and_the_tumour_vaf(app):
    vcf, proposal = rows_of("vep_tumour_normal.vcf")
    assert vcf.build is GenomeBuild.GRCH38
    assert (vcf.tumour_sample, vcf.normal_sample) == ("TUMOR", "NORMAL")
    braf = by_gene(proposal)["BRAF"]
    # The MANE Select transcript, not the first one listed (ENST00000288602, p.Val640Glu).
    assert braf.values["transcript"] == "NM_004333.6"
    assert braf.values["hgvs_c"] == "c.1799T>A"
    assert braf.values["hgvs_p"] == "ENSP00000493543.1:p.Val600Glu"
    assert braf.values["exon"] == "exon 15"
    assert braf.vaf == Decimal("41.60") and braf.depth == 344
    assert braf.values["origin"] == "somatic"  # a tumour/normal pair: somatic calls
    assert braf.line == 23
    assert braf.passed and braf.relevant


def test_vep_percent_encoded_synonymous_change_is_read_and_flagged_low_impact(app):
    _vcf, proposal = rows_of("vep_tumour_normal.vcf")
    synonymous = next(r for r in proposal.rows if "Gln787" in r.values.get("hgvs_p", ""))
    assert synonymous.values["hgvs_p"].endswith("p.Gln787=")
    assert not synonymous.relevant


def test_records_without_a_gene_are_left_out_and_counted(app):
    _vcf, proposal = rows_of("vep_tumour_normal.vcf")
    assert proposal.unannotated == 1
    assert sorted(by_gene(proposal)) == ["BRAF", "EGFR", "KRAS", "TP53"]


def test_default_filters_keep_pass_protein_altering_rows(app):
    _vcf, proposal = rows_of("vep_tumour_normal.vcf")
    kept = [r.gene for r in proposal.rows if ImportFilters().keeps(r)]
    assert kept == ["EGFR", "BRAF", "TP53"]  # KRAS is weak_evidence, the EGFR synonymous change is LOW
    floor = ImportFilters(vaf_min=Decimal(50))
    assert [r.gene for r in proposal.rows if floor.keeps(r)] == ["TP53"]
    panel = ImportFilters(pass_only=False, genes=("KRAS", "BRAF"))
    assert [r.gene for r in proposal.rows if panel.keeps(r)] == ["BRAF", "KRAS"]


def test_choosing_the_normal_sample_reads_its_columns(app):
    _vcf, proposal = rows_of("vep_tumour_normal.vcf", sample="NORMAL")
    assert by_gene(proposal)["BRAF"].vaf == Decimal("0.50")


def test_gzip_reads_like_the_plain_file(app):
    _plain, plain = rows_of("vep_tumour_normal.vcf")
    _gz, gz = rows_of("vep_tumour_normal.vcf.gz")
    assert [r.values for r in gz.rows] == [r.values for r in plain.rows]


def test_windows_line_endings_and_a_malformed_line_keep_the_good_records(app):
    vcf, proposal = rows_of("vep_windows_malformed.vcf")
    assert [line for line, _problem in vcf.bad_lines] == [23]
    assert sorted(by_gene(proposal)) == ["BRAF", "EGFR", "KRAS", "TP53"]
    assert by_gene(proposal)["BRAF"].values["hgvs_c"] == "c.1799T>A"  # no stray \r in the last column


def test_snpeff_variant_amplification_and_fusion(app):
    vcf, proposal = rows_of("snpeff_grch37.vcf")
    assert vcf.build is GenomeBuild.GRCH37
    assert proposal.annotation == "SnpEff"
    braf, met, fusion = proposal.rows
    assert braf.values == {"kind": "variant", "gene": "BRAF", "transcript": "NM_004333.4", "hgvs_c": "c.1799T>A",
                           "hgvs_p": "p.Val600Glu", "exon": "exon 15", "vaf": "37.75"}  # AD of the sample, before INFO AF
    assert braf.depth == 612
    assert met.kind is BiomarkerKind.CNV
    assert (met.values["gene"], met.values["cnv_type"], met.values["copy_number"]) == ("MET", "amplification", "9")
    assert fusion.kind is BiomarkerKind.FUSION
    assert (fusion.values["gene"], fusion.values["gene_3p"]) == ("EML4", "ALK")
    assert len(proposal.rows) == 3  # the second breakend is the same fusion


def test_vcf_without_annotations_is_refused(app):
    vcf = read_vcf((DATA / "no_annotation.vcf").read_bytes())
    with pytest.raises(VcfRefused, match="no annotations"):
        propose(vcf)


@pytest.mark.parametrize("data", [b"%PDF-1.4 not a vcf", b"gene\tvaf\nEGFR\t32\n", b"\x1f\x8bnot gzip at all"])
def test_a_file_that_is_not_a_vcf_is_refused(app, data):
    with pytest.raises(VcfRefused):
        read_vcf(data)


def _one_record(line):
    head = (DATA / "vep_tumour_normal.vcf").read_text().split("#CHROM")[0]
    head += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n"
    return propose(read_vcf((head + line + "\n").encode()))


_KRAS_CSQ = ("{a}|missense_variant|MODERATE|KRAS|ENSG|Transcript|ENST00000256078.10|protein_coding|2/6||"
             "ENST00000256078.10:{c}|ENSP00000256078.5:{p}|||||||||-1||HGNC|HGNC:6407|YES|NM_033360.4|")


def test_a_ctdna_vaf_keeps_the_precision_the_form_keeps(app):
    """AF 0.00046 is 0.046 %, not 0.05 %; 0.00004 is 0.004 %, not 0 (which reads "not detected")."""
    for af, expected in (("0.00046", "0.0460"), ("0.00004", "0.0040"), ("0.3775", "37.75")):
        proposal = _one_record("chr12\t25245350\t.\tC\tA\t.\tPASS\tCSQ=" + _KRAS_CSQ.format(
            a="A", c="c.35G>T", p="p.Gly12Val") + f"\tGT:AD:AF:DP\t0/1:9995,5:{af}:10000\t0/0:164,0:0:164")
        (row,) = proposal.rows
        assert row.values["vaf"] == expected


def test_each_allele_of_a_multiallelic_record_is_a_row_with_its_own_change_and_vaf(app):
    """KRAS G12C and G12S at one position: two findings, each with its own annotation, its
    VAF (FORMAT AF has one value per ALT) and its origin in the normal sample."""
    proposal = _one_record("chr12\t25245351\t.\tC\tA,T\t.\tPASS\tCSQ=" + ",".join((
        _KRAS_CSQ.format(a="A", c="c.34G>T", p="p.Gly12Cys"), _KRAS_CSQ.format(a="T", c="c.34G>A", p="p.Gly12Ser")))
        + "\tGT:AD:AF:DP\t0/1/2:50,10,40:0.1,0.4:100\t0/2:120,0,40:0,0.25:160")
    first, second = proposal.rows
    assert first.values["hgvs_p"].endswith("p.Gly12Cys") and first.values["vaf"] == "10.00"
    assert second.values["hgvs_p"].endswith("p.Gly12Ser") and second.values["vaf"] == "40.00"
    assert (first.position, second.position) == ("chr12:25245351 C>A", "chr12:25245351 C>T")
    assert first.key != second.key and first.line == second.line
    assert first.values.get("origin") == "somatic" and "origin" not in second.values
    assert "possibly germline" in second.warnings["origin"][0]
    assert proposal.other_alleles == []


def test_an_allele_without_annotation_of_its_own_is_named_not_proposed(app):
    proposal = _one_record("chr12\t25245351\t.\tC\tA,T,*\t.\tPASS\tCSQ=" + _KRAS_CSQ.format(
        a="A", c="c.34G>T", p="p.Gly12Cys") + "\tGT:AD:AF:DP\t0/1:50,10,40,0:0.1,0.4,0:100\t0/0:164,0,0,0:0,0,0:164")
    (row,) = proposal.rows
    assert row.values["hgvs_p"].endswith("p.Gly12Cys") and row.values["vaf"] == "10.00"
    assert [alleles for _line, alleles in proposal.other_alleles] == ["C>T"]  # "*" (a deletion upstream) is no finding
