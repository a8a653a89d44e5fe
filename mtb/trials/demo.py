"""Demo trial lists, one per board, and a VEP-annotated VCF on a demo draft case.

The trials are fictitious (titles end with "demo"; their registry numbers only have the
registries' formats), chosen so the demo cases show each answer: a match with what
matched, a match with an unknown left to check, an on-hold trial and a closed one that
are never proposed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from mtb.accounts.models import User
from mtb.boards import services as boards
from mtb.cases import services as cases
from mtb.cases.models import Case
from mtb.cases.uploads import check_upload
from mtb.extensions import db
from mtb.trials import services

#: board -> trial form values (registry ids, title, status, criteria).
DEMO_TRIALS = {
    "thoracic": (
        dict(registry_ids="NCT09120001, 2025-520001-11-00", acronym="KRASCADE", phase="2",
             title="Adagrasib with an SHP2 inhibitor in KRAS G12C non-small-cell lung cancer after one line (demo)",
             status="recruiting", alterations="KRAS p.G12C", icd10_ranges="C34", prior_lines_min="1",
             prior_lines_max="2", age_min="18", investigator="Pr Anne Caron", contact="Research nurse · 04 72 00 11 22"),
        dict(registry_ids="NCT09120002", acronym="EGFR-POST", phase="2",
             title="Amivantamab with lazertinib after osimertinib in EGFR-mutant NSCLC (demo)", status="recruiting",
             alterations="EGFR p.L858R\nEGFR exon 19", icd10_ranges="C34", prior_lines_min="1", age_min="18",
             investigator="Dr Yves Roche", contact="essais.thorax@example.org"),
        dict(registry_ids="2025-A00456-31", acronym="MET-SKIP", phase="2",
             title="MET inhibitor with anti-PD-1 in MET-altered NSCLC, exon 14 skipping or amplification (demo)",
             status="recruiting", alterations="MET exon 14 skipping\nMET amplification", icd10_ranges="C34", age_min="18",
             investigator="Pr Anne Caron"),
        dict(registry_ids="2024-A01234-56", acronym="IMMUNO-1L", phase="3",
             title="Anti-PD-1 with or without chemotherapy, PD-L1 ≥ 50 %, first line (demo)", status="closed",
             pdl1_tps_min="50", icd10_ranges="C34", prior_lines_max="0", age_min="18"),
        dict(registry_ids="2025-520002-22-00", acronym="ALK-BRAIN", phase="2",
             title="Next-generation ALK inhibitor in ALK-rearranged NSCLC with brain metastases (demo)",
             status="on_hold", alterations="ALK fusion", icd10_ranges="C34", age_min="18"),
    ),
    "dermatology": (
        dict(registry_ids="NCT09120003", acronym="MEL-BRAF2", phase="2",
             title="Triplet BRAF-MEK-anti-PD-1 after adjuvant immunotherapy in BRAF V600 melanoma (demo)",
             status="recruiting", alterations="BRAF V600", icd10_ranges="C43", prior_lines_min="1", age_min="18",
             investigator="Dr Hugo Lefèvre", contact="Dermatology trials unit · 04 72 00 33 44"),
        dict(registry_ids="2025-520003-33-00", acronym="SKIN-TMB", phase="2",
             title="Anti-PD-1 and anti-LAG-3 in high-TMB skin cancers (demo)", status="recruiting",
             tmb_min="10", pdl1_tps_min="1", molecular_logic="all", icd10_ranges="C43-C44", age_min="18",
             investigator="Dr Hugo Lefèvre"),
        dict(registry_ids="NCT09120004", acronym="NRAS-MEK", phase="1/2",
             title="Pan-RAF with MEK inhibitor in NRAS-mutant melanoma (demo)", status="on_hold",
             alterations="NRAS Q61", icd10_ranges="C43", age_min="18"),
    ),
    "paediatric": (
        dict(registry_ids="2016-000133-40, NCT09120005", acronym="PAED-MATCH", phase="1/2",
             title="Targeted therapies in relapsed paediatric solid tumours, molecularly selected arms (demo)",
             status="recruiting", alterations="ALK mutation\nALK fusion\nNTRK1 fusion\nNTRK3 fusion",
             age_max="21", prior_lines_min="1", investigator="Dr Nora Haddad", contact="CLIP² paediatric unit"),
        dict(registry_ids="NCT09120006", acronym="NTRK-INFANT", phase="2",
             title="Larotrectinib before surgery in infantile fibrosarcoma with an NTRK fusion (demo)",
             status="recruiting", alterations="NTRK1 fusion\nNTRK2 fusion\nNTRK3 fusion", age_max="2",
             prior_lines_max="0", investigator="Dr Nora Haddad"),
        dict(registry_ids="2024-A04321-10", acronym="HYPERMUT-PED", phase="2",
             title="Anti-PD-1 in hypermutated paediatric brain tumours (demo)", status="recruiting",
             requires_msi_high="y", tmb_min="10", molecular_logic="all", icd10_ranges="C71", age_max="21"),
    ),
}

_CSQ = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|"
        "CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|"
        "HGNC_ID|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL")


def _csq(allele, consequence, impact, symbol, gene, feature, exon, hgvsc, hgvsp, hgnc, mane) -> str:
    return "|".join([allele, consequence, impact, symbol, gene, "Transcript", feature, "protein_coding", exon, "",
                     hgvsc, hgvsp, "", "", "", "", "", "", "", "", "", "HGNC", hgnc, "YES", mane, ""])


def demo_vcf() -> bytes:
    """A TSO500-like tumour/normal VCF annotated by VEP (GRCh38), as the lab's pipeline writes it."""
    header = [
        "##fileformat=VCFv4.2", "##source=Mutect2", "##tumor_sample=B-26-04410-T", "##normal_sample=B-26-04410-N",
        "##reference=file:///refs/GRCh38/Homo_sapiens_assembly38.fasta",
        "##contig=<ID=chr3,length=198295559,assembly=GRCh38>", "##contig=<ID=chr17,length=83257441,assembly=GRCh38>",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##VEP="v110" cache="/opt/vep/.vep/homo_sapiens/110_GRCh38" assembly="GRCh38.p14"',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {_CSQ}">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tB-26-04410-T\tB-26-04410-N",
    ]
    records = [
        ("chr3", 179218303, "G", "A", "PASS", _csq("A", "missense_variant", "MODERATE", "PIK3CA", "ENSG00000121879",
         "ENST00000263967.4", "10/21", "ENST00000263967.4:c.1633G>A", "ENSP00000263967.3:p.Glu545Lys", "HGNC:8975",
         "NM_006218.4"), "0/1:212,88:0.293:300", "0/0:140,0:0.007:140"),
        ("chr17", 7674220, "C", "T", "PASS", _csq("T", "missense_variant", "MODERATE", "TP53", "ENSG00000141510",
         "ENST00000269305.9", "7/11", "ENST00000269305.9:c.743G>A", "ENSP00000269305.4:p.Arg248Gln", "HGNC:11998",
         "NM_000546.6"), "0/1:130,171:0.568:301", "0/0:122,0:0.008:122"),
        ("chr17", 7676154, "G", "C", "weak_evidence", _csq("C", "missense_variant", "MODERATE", "TP53",
         "ENSG00000141510", "ENST00000269305.9", "4/11", "ENST00000269305.9:c.215C>G", "ENSP00000269305.4:p.Pro72Arg",
         "HGNC:11998", "NM_000546.6"), "0/1:150,4:0.026:154", "0/1:70,66:0.485:136"),
    ]
    lines = [f"{c}\t{p}\t.\t{r}\t{a}\t.\t{f}\tCSQ={csq}\tGT:AD:AF:DP\t{t}\t{n}" for c, p, r, a, f, csq, t, n in records]
    return ("\n".join(header + lines) + "\n").encode()


def seed() -> None:
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    if admin is None:
        return
    for slug, trials in DEMO_TRIALS.items():
        board = boards.get_board(slug)
        for values in trials:
            services.create_trial(admin, {"molecular_logic": "any", **values}, [board])
    # The squamous-cell draft of the thoracic board has its TSO500 VCF attached, ready to import.
    clinician = db.session.scalar(sa.select(User).where(User.email == "clinician@example.org"))
    case = db.session.scalar(sa.select(Case).where(Case.patient_record_number == "IPP0070021"))
    if clinician is None or case is None:
        return
    checked = check_upload("B-26-04410_TSO500_vep.vcf", demo_vcf(), int(current_app.config["MAX_UPLOAD_BYTES"]))
    cases.attach_file(case, clinician, checked, "TSO500 variants, VEP-annotated (GRCh38)")
