"""A reviewer's hand-written VCFs, imported as a clinician does (upload, review, post the
ticked rows): real bgzip files, a BOM, copy-number direction, the annotation entry read,
the tumour column, the origin, filtered and repeated records, structural variants,
Strelka2's counts and gVCF reference blocks."""

import gzip

import sqlalchemy as sa

from mtb.cases.models import Biomarker
from mtb.cases.uploads import detect_type
from mtb.cases.vcf import read_vcf
from mtb.cases.vcf_import import ImportFilters, review
from mtb.cases.vcf_rows import propose
from mtb.extensions import db

LOOSE = ImportFilters(pass_only=False, relevant_only=False)
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
CSQ_FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
              "cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|"
              "PICK|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL|ALLELE_NUM")
HEAD = ("##fileformat=VCFv4.2\n##reference=file:///ref/GRCh38/Homo_sapiens_assembly38.fasta\n"
        "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
        "##INFO=<ID=SVTYPE,Number=1,Type=String,Description=\"Type\">\n"
        "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">\n"
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
        "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Depths\">\n"
        "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"AF\">\n"
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
        f"##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP. Format: "
        f"{CSQ_FORMAT}\">\n")
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n"
EGFR_L858R = ("G|missense_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000275493.7|protein_coding|21/28||"
              "ENST00000275493.7:c.2573T>G|ENSP00000275493.2:p.Leu858Arg||||||||1|||HGNC||YES|NM_005228.5||1")
EGFR_T790M = ("T|missense_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000275493.7|protein_coding|20/28||"
              "ENST00000275493.7:c.2369C>T|ENSP00000275493.2:p.Thr790Met||||||||1|||HGNC||YES|NM_005228.5||1")
TP53_R273H = ("T|missense_variant|MODERATE|TP53|ENSG00000141510|Transcript|ENST00000269305.9|protein_coding|8/11||"
              "ENST00000269305.9:c.818G>A|ENSP00000269305.4:p.Arg273His||||||||-1|||HGNC||YES|NM_000546.6||1")


def vcf_text(samples, *lines, head=HEAD):
    return (head + COLUMNS.format("\t".join(samples)) + "".join(line + "\n" for line in lines)).encode()


def url_of(case, attachment):
    return f"/cases/{case.id}/attachments/{attachment.id}/variants"


def stored(case):
    return db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)
                              .order_by(Biomarker.position)).all()


# 1. bgzip ------------------------------------------------------------------------------

def test_a_real_bgzip_file_with_its_empty_end_of_file_block_is_read(client, login, case_with):
    text = vcf_text(["TUMOR"], f"chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ={EGFR_L858R}\tGT:AD:DP\t0/1:290,186:476")
    half = text.index(b"#CHROM")
    data = gzip.compress(text[:half]) + gzip.compress(text[half:]) + BGZF_EOF  # members as bgzip writes them
    assert detect_type(data) == "vcf.gz"
    assert [r.line for r in read_vcf(data).records] == [text.count(b"\n")]
    case, attachment, clinician = case_with("tumour.vcf.gz", data=data)
    login(clinician)
    page = client.get(url_of(case, attachment))
    assert page.status_code == 200 and "c.2573T&gt;G" in page.get_data(as_text=True)


# 2. BOM ---------------------------------------------------------------------------------

def test_a_vcf_saved_with_a_bom_and_windows_line_ends_can_be_attached(client, login, case_with):
    text = vcf_text(["TUMOR"], f"chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ={EGFR_L858R}\tGT:AD:DP\t0/1:290,186:476")
    data = b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n")
    assert detect_type(data) == "vcf"
    assert detect_type(gzip.compress(data)) == "vcf.gz"
    case, attachment, clinician = case_with("bom.vcf", data=data)
    login(clinician)
    assert "c.2573T&gt;G" in client.get(url_of(case, attachment)).get_data(as_text=True)


# 3. Copy-number direction ------------------------------------------------------------

CNV_HEAD = (HEAD + "##ALT=<ID=DEL,Description=\"Copy number loss\">\n"
            "##INFO=<ID=FOLD_CHANGE,Number=1,Type=Float,Description=\"Fold change\">\n"
            "##INFO=<ID=FOLD_CHANGE_LOG,Number=1,Type=Float,Description=\"Log fold change\">\n"
            "##FORMAT=<ID=FC,Number=1,Type=Float,Description=\"Fold change\">\n")


def _cnv_csq(gene):
    return f"deletion|feature_truncation|HIGH|{gene}||Transcript||protein_coding||||||||||||1|||HGNC|||||1"


def test_copy_number_direction_comes_from_the_ratios_and_the_alt_never_a_default_gain(case_with):
    data = vcf_text(["TUMOR"],
                    f"chr10\t87860000\tCNV_PTEN\tN\t<DEL>\t.\tPASS\tSVTYPE=CNV;END=87970000;FOLD_CHANGE=0.45;"
                    f"FOLD_CHANGE_LOG=-1.15;CSQ={_cnv_csq('PTEN')}\tGT:FC\t./1:0.45",
                    f"chr10\t89000000\tCNV_X\tN\t<CNV>\t.\tPASS\tSVTYPE=CNV;END=89100000;FOLD_CHANGE_LOG=-1.3;"
                    f"CSQ={_cnv_csq('FAS')}\tGT\t./1",
                    f"chr7\t116672196\tMET\tN\t<DUP>\t.\tPASS\tEND=116798377;CSQ={_cnv_csq('MET')}\tGT:FC\t./1:3.42",
                    f"chr12\t69000000\tCNV_Y\tN\t<CNV>\t.\tPASS\tSVTYPE=CNV;END=69100000;"
                    f"CSQ={_cnv_csq('MDM2')}\tGT\t./1",
                    head=CNV_HEAD)
    case, attachment, _clinician = case_with("cnv.vcf", data=data)
    found = review(case, attachment, filters=LOOSE)
    rows = {row.gene: row for row in found.shown}
    assert rows["PTEN"].checked_values["cnv_type"].value == "loss"
    assert rows["FAS"].checked_values["cnv_type"].value == "loss"
    assert rows["MET"].checked_values["cnv_type"].value == "gain"
    mdm2 = rows["MDM2"]
    assert "cnv_type" not in mdm2.values and mdm2.key not in found.ticked_by_default
    assert any("does not say whether this copy-number change is a gain or a loss" in m
               for m in mdm2.warnings["cnv_type"])


# 4. Which annotation entry -------------------------------------------------------------

def test_the_finding_is_read_from_the_most_severe_entry_not_a_neighbours_mane_entry(app):
    line = ("chr17\t39725090\t.\tG\tA\t.\tPASS\tDP=400;CSQ=A|upstream_gene_variant|MODIFIER|MIEN1|ENSG00000141741|"
            "Transcript|ENST00000394209.7|protein_coding|||||||||||3102|-1|||HGNC||YES|NM_032339.5||1,"
            "A|missense_variant|MODERATE|ERBB2|ENSG00000141736|Transcript|ENST00000269571.10|protein_coding|20/27||"
            "ENST00000269571.10:c.2524G>A|ENSP00000269571.5:p.Val842Ile||||||||1|||HGNC||YES|NM_004448.4||1"
            "\tGT:AD:AF:DP\t0/1:300,100:0.25:400")
    [row] = propose(read_vcf(vcf_text(["TUMOR"], line))).rows
    assert (row.gene, row.values["transcript"], row.values["hgvs_c"], row.impact) == (
        "ERBB2", "NM_004448.4", "c.2524G>A", "MODERATE")


SNPEFF_HEAD = ("##fileformat=VCFv4.2\n##reference=GRCh38.105\n"
               "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
               "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
               "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
               "ERRORS / WARNINGS / INFO' \">\n"
               "##INFO=<ID=SVTYPE,Number=1,Type=String,Description=\"Type\">\n"
               "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">\n"
               "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
               "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Depths\">\n")


def test_snpeff_transcripts_that_disagree_are_said_beside_the_row(app):
    line = ("7\t140753336\t.\tA\tT\t50\tPASS\tANN=T|missense_variant|MODERATE|BRAF|ENSG00000157764|transcript|"
            "ENST00000644969.2|protein_coding|16/19|c.1919T>A|p.V640E|||||,T|missense_variant|MODERATE|BRAF|"
            "ENSG00000157764|transcript|ENST00000646891.2|protein_coding|15/18|c.1799T>A|p.V600E|||||"
            "\tGT:AD\t0/1:240,160")
    [row] = propose(read_vcf(vcf_text(["S1"], line, head=SNPEFF_HEAD))).rows
    assert row.values["transcript"] == "ENST00000644969.2"  # shown on the review with its c.
    [warning] = row.warnings["hgvs_p"]
    assert "p.V600E (ENST00000646891.2)" in warning and "this row uses ENST00000644969.2" in warning


# 5. The tumour column ------------------------------------------------------------------

def test_with_two_unnamed_samples_the_review_asks_which_is_the_tumour(client, login, case_with):
    data = vcf_text(["S26-0042-PBMC", "S26-0042-FFPE"],
                    f"chr7\t55191822\t.\tT\tG\t.\tPASS\tDP=640;CSQ={EGFR_L858R}\tGT:AD:AF:DP\t0/0:164,0:0.006:164"
                    "\t0/1:290,186:0.391:476")
    line = data.count(b"\n")
    case, attachment, clinician = case_with("mutect2.vcf", data=data)
    login(clinician)
    html = client.get(url_of(case, attachment)).get_data(as_text=True)
    assert 'id="vcf-choose-sample"' in html and "0.60 %" not in html
    assert f'value="{line}" checked' not in html and f'id="row-{line}" checked' not in html
    refused = client.post(url_of(case, attachment), data={"row": [str(line)], "version": case.version})
    assert refused.status_code == 422
    assert "does not say which one is the tumour" in refused.get_data(as_text=True) and not stored(case)
    chosen = client.get(url_of(case, attachment), query_string={"sample": "S26-0042-FFPE"}).get_data(as_text=True)
    assert "39.10 %" in chosen and 'id="vcf-choose-sample"' not in chosen
    added = client.post(url_of(case, attachment), data={"row": [str(line)], "version": case.version,
                                                        "sample": "S26-0042-FFPE"})
    assert added.status_code == 302
    assert [str(b.vaf) for b in stored(case)] == ["39.1000"]


# 6. Origin -------------------------------------------------------------------------------

def test_no_reads_in_the_normal_leaves_the_origin_blank(app):
    head = HEAD + "##tumor_sample=TUMOR\n##normal_sample=NORMAL\n"
    data = vcf_text(["NORMAL", "TUMOR"],
                    f"chr17\t7673802\t.\tC\tT\t.\tPASS\tCSQ={TP53_R273H}\tGT:AD:AF:DP\t0/0:0,0:.:0"
                    "\t0/1:290,10:0.033:300",
                    f"chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ={EGFR_L858R}\tGT:AD:AF:DP\t0/0:164,0:0.006:164"
                    "\t0/1:290,186:0.391:476", head=head)
    rows = {row.gene: row for row in propose(read_vcf(data)).rows}
    assert "origin" not in rows["TP53"].values
    assert rows["EGFR"].values["origin"] == "somatic"


# 7. Filtered records -----------------------------------------------------------------

def test_filtered_rows_are_not_ticked_and_keep_their_filter_in_the_note(client, login, case_with):
    head = HEAD + "##FILTER=<ID=clustered_events,Description=\"Clustered\">\n"
    data = vcf_text(["TUMOR"],
                    f"chr7\t55191822\t.\tT\tG\t.\t.\tCSQ={EGFR_L858R}\tGT:AD\t0/1:290,186",
                    f"chr7\t55181378\t.\tC\tT\t.\tclustered_events\tCSQ={EGFR_T790M}\tGT:AD\t0/1:420,30", head=head)
    last = data.count(b"\n")
    case, attachment, clinician = case_with("filtered.vcf", data=data)
    found = review(case, attachment, filters=LOOSE)
    assert found.ticked_by_default == {str(last - 1)}
    login(clinician)
    html = client.get(url_of(case, attachment), query_string={"filtered": "1"}).get_data(as_text=True)
    assert "not filtered" in html and f'id="row-{last}" checked' not in html
    assert client.post(url_of(case, attachment), data={"row": [str(last)], "version": case.version,
                                                       "filtered": "1"}).status_code == 302
    [finding] = stored(case)
    assert (finding.hgvs_c, finding.description) == ("c.2369C>T", "VCF filter: clustered_events")


# 8. Structural variants ------------------------------------------------------------------

def test_an_sv_deletion_is_left_out_and_a_fusion_tandem_duplication_is_a_fusion(app):
    head = SNPEFF_HEAD.replace("##reference=GRCh38.105", "##reference=file:///ref/hs37d5.fa")
    data = vcf_text(["TUMOR"],
                    "7\t55087500\tMantaDEL:40\tT\t<DEL>\t500\tPASS\tEND=55223000;SVTYPE=DEL;ANN=<DEL>|exon_loss_variant"
                    "|HIGH|EGFR||transcript|ENST00000275493.2|protein_coding|2/28|||||||\tGT\t0/1",
                    "7\t138545000\tMantaDUP:TANDEM:50\tC\t<DUP:TANDEM>\t400\tPASS\tEND=140482000;SVTYPE=DUP;"
                    "ANN=<DUP:TANDEM>|gene_fusion|HIGH|KIAA1549&BRAF||gene_variant||||||||||,<DUP:TANDEM>|duplication|"
                    "HIGH|KIAA1549&ZC3HAV1&BRAF||gene_variant||||||||||\tGT\t0/1", head=head)
    vcf = read_vcf(data)
    rows = propose(vcf).rows
    assert [(r.kind.value, r.values.get("gene"), r.values.get("gene_3p")) for r in rows] == [
        ("fusion", "KIAA1549", "BRAF")]
    [(line, problem)] = vcf.bad_lines
    assert line == data.count(b"\n") - 1 and "structural variant (DEL)" in problem and "by hand" in problem


# 9. Strelka2 -------------------------------------------------------------------------------

def test_strelka2_vaf_is_read_from_its_tier1_counts(app):
    head = HEAD + "".join(f"##FORMAT=<ID={k},Number=2,Type=Integer,Description=\"{k}\">\n"
                          for k in ("AU", "CU", "GU", "TU", "TAR", "TIR"))
    head += "##tumor_sample=TUMOR\n##normal_sample=NORMAL\n"
    indel = ("-|inframe_deletion|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000275493.7|protein_coding|19/28||"
             "ENST00000275493.7:c.2235_2249del|ENSP00000275493.2:p.Glu746_Ala750del||||||||1|||HGNC||YES|"
             "NM_005228.5||1")
    data = vcf_text(["NORMAL", "TUMOR"],
                    f"chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ={EGFR_L858R}\tDP:AU:CU:GU:TU\t164:0,0:0,0:0,0:164,165"
                    "\t476:0,0:0,0:186,188:288,290",
                    f"chr7\t55174771\t.\tAGGAATTAAGAGAAGC\tA\t.\tPASS\tCSQ={indel}\tDP:TAR:TIR\t150:150,152:0,0"
                    "\t550:400,405:140,141", head=head)
    rows = propose(read_vcf(data)).rows
    assert [(str(r.vaf), r.depth, r.values.get("origin")) for r in rows] == [
        ("39.24", 476, "somatic"), ("25.93", 550, "somatic")]


# 10. Repeated records ------------------------------------------------------------------

def test_a_record_written_twice_is_ticked_once(case_with):
    record = f"chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ={EGFR_L858R}\tGT:AD\t0/1:290,186"
    data = vcf_text(["TUMOR"], record, record)
    last = data.count(b"\n")
    case, attachment, _clinician = case_with("twice.vcf", data=data)
    found = review(case, attachment, filters=LOOSE)
    assert found.ticked_by_default == {str(last - 1)}
    repeat = next(r for r in found.shown if r.key == str(last))
    assert repeat.duplicate_of == last - 1 and any("not ticked" in m for m in repeat.warnings["gene"])


# 11. gVCF --------------------------------------------------------------------------------

def test_gvcf_reference_blocks_and_non_ref_alleles_are_no_findings(client, login, case_with):
    data = vcf_text(["TUMOR"],
                    "chr7\t55191700\t.\tA\t<NON_REF>\t.\t.\tEND=55191821\tGT:DP\t0/0:300",
                    f"chr7\t55191822\t.\tT\tG,<NON_REF>\t3000.77\t.\tDP=476;CSQ={EGFR_L858R}"
                    "\tGT:AD:DP\t0/1:290,186,0:476",
                    "chr7\t55191823\t.\tG\t<NON_REF>\t.\t.\tEND=55191900\tGT:DP\t0/0:300")
    proposal = propose(read_vcf(data))
    assert [r.values.get("hgvs_c") for r in proposal.rows] == ["c.2573T>G"] and not proposal.other_alleles
    case, attachment, clinician = case_with("sample.g.vcf", data=data)
    login(clinician)
    html = client.get(url_of(case, attachment)).get_data(as_text=True)
    assert "NON_REF" not in html and "c.2573T&gt;G" in html



def test_a_fusion_the_file_gives_twice_is_ticked_once(case_with):
    head = SNPEFF_HEAD + "##INFO=<ID=MATEID,Number=.,Type=String,Description=\"Mate\">\n"
    data = vcf_text(["TUMOR"],
                    "chr2\t29446394\tbnd1\tA\tA]chr2:42522656]\t300\tPASS\tSVTYPE=BND;MATEID=bnd2;ANN=A]chr2:42522656]|"
                    "intron_variant|MODIFIER|ALK||transcript|ENST00000389048.3|protein_coding|19/28|||||||\tGT\t0/1",
                    "chr2\t42522656\tbnd2\tG\tG]chr2:29446394]\t300\tPASS\tSVTYPE=BND;MATEID=bnd1;ANN=G]chr2:29446394]|"
                    "intron_variant|MODIFIER|EML4||transcript|ENST00000318522.5|protein_coding|13/22|||||||\tGT\t0/1",
                    "chr2\t29446394\tINV1\tA\t<INV>\t400\tPASS\tEND=42522656;SVTYPE=INV;ANN=<INV>|"
                    "bidirectional_gene_fusion|HIGH|ALK&EML4||gene_variant||||||||||\tGT\t0/1", head=head)
    last = data.count(b"\n")
    case, attachment, _clinician = case_with("fusion.vcf", data=data)
    found = review(case, attachment, filters=LOOSE)
    assert [(r.values["gene"], r.values["gene_3p"], r.line) for r in found.shown] == [
        ("EML4", "ALK", last - 2), ("EML4", "ALK", last)]
    assert found.ticked_by_default == {str(last - 2)}
