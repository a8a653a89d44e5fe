"""Demo cases: a dozen realistic (fictitious) patients across the three boards, each
submitted case with an NGS report PDF made here with WeasyPrint."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from mtb.accounts.models import User
from mtb.boards import services as boards
from mtb.cases import services, validation
from mtb.cases.lifecycle import change_status
from mtb.cases.models import BiomarkerKind, Case, CaseStatus
from mtb.cases.references import next_reference
from mtb.cases.uploads import check_upload
from mtb.db import utcnow
from mtb.extensions import db

LABS = {
    "thoracic": dict(name="Plateforme de génomique des tumeurs — CHU", address="Pavilion M, 3 rue de la Santé",
                     biologist="Dr Léa Garnier"),
    "paediatric": dict(name="Laboratoire d'oncogénétique pédiatrique", address="Children's hospital, level -1",
                       biologist="Dr Paul Moreau"),
    "dermatology": dict(name="Plateforme de génomique des tumeurs — CHU", address="Pavilion M, 3 rue de la Santé",
                        biologist="Dr Léa Garnier"),
}

#: (board, days ago submitted or None for a draft, case fields, biomarker rows, report extras)
DEMO_CASES = (
    ("thoracic", 12, dict(
        patient_record_number="IPP0041187", patient_name="MOREL Jeanne", patient_sex="female",
        patient_birth_date=date(1961, 4, 2), diagnosis="Lung adenocarcinoma, stage IVA (pleural effusion)",
        icd10_code="C34.1", icdo3_morphology="8140/3", stage="cT2aN2M1a, IVA", ecog="1", prior_lines=1,
        prior_treatments="Osimertinib 80 mg from 03/2025; partial response, progression 10/2026 (liver).",
        clinical_question="Progression on first-line osimertinib: second-line options? Re-biopsy showed no MET amplification. Trial available?",
        urgency="routine", research_consent=["BIOCART"]),
     [dict(kind="variant", gene="EGFR", transcript="NM_005228.5", hgvs_c="c.2573T>G", hgvs_p="L858R", vaf="32",
           assay="Oncomine Focus (52 genes)", specimen="FFPE lung biopsy", lab="CHU molecular genetics"),
      dict(kind="pdl1", pdl1_tps="5", assay="22C3", specimen="FFPE lung biopsy", lab="CHU pathology")]),
    ("thoracic", 9, dict(
        patient_record_number="IPP0052210", patient_name="FAURE Thomas", patient_sex="male",
        patient_birth_date=date(1978, 9, 14), diagnosis="Lung adenocarcinoma, stage IVB (brain metastases)",
        icd10_code="C34.3", icdo3_morphology="8140/3", stage="cT3N1M1c, IVB", ecog="1", prior_lines=0,
        clinical_question="First-line ALK inhibitor: lorlatinib or alectinib given three brain metastases?",
        urgency="urgent", research_consent=["Immunotarget"]),
     [dict(kind="fusion", gene="EML4", gene_3p="ALK", description="EML4 exon 13 :: ALK exon 20 (variant 1)",
           assay="Archer FusionPlex Lung", specimen="FFPE lymph node (EBUS)", lab="CHU molecular genetics")]),
    ("thoracic", 8, dict(
        patient_record_number="IPP0039955", patient_name="LEROY Michel", patient_sex="male",
        patient_birth_date=date(1956, 1, 23), diagnosis="Lung adenocarcinoma, stage IV",
        icd10_code="C34.1", icdo3_morphology="8140/3", stage="IVA", ecog="1", prior_lines=1,
        prior_treatments="Carboplatin-pemetrexed-pembrolizumab x4 then pembrolizumab-pemetrexed; progression at 9 months.",
        clinical_question="KRAS G12C: sotorasib or adagrasib in second line, or the KRYSTAL trial?", urgency="routine"),
     [dict(kind="variant", gene="KRAS", transcript="NM_004985.5", hgvs_c="c.34G>T", hgvs_p="p.G12C", vaf="41",
           assay="Oncomine Focus (52 genes)", specimen="FFPE lung biopsy", lab="CHU molecular genetics"),
      dict(kind="variant", gene="STK11", transcript="NM_000455.5", hgvs_c="c.109C>T", hgvs_p="p.Q37*", vaf="38",
           assay="Oncomine Focus (52 genes)", specimen="FFPE lung biopsy", lab="CHU molecular genetics"),
      dict(kind="pdl1", pdl1_tps="1", assay="22C3", specimen="FFPE lung biopsy", lab="CHU pathology")]),
    ("thoracic", 6, dict(
        patient_record_number="IPP0061342", patient_name="GIRARD Amélie", patient_sex="female",
        patient_birth_date=date(1984, 6, 30), diagnosis="Lung adenocarcinoma, never-smoker, stage IVB",
        icd10_code="C34.9", icdo3_morphology="8140/3", stage="IVB", ecog="0", prior_lines=0,
        clinical_question="ROS1 fusion: repotrectinib or entrectinib first line?", urgency="routine",
        research_consent=["BIOCART", "Immunotarget"]),
     [dict(kind="fusion", gene="CD74", gene_3p="ROS1", description="CD74 exon 6 :: ROS1 exon 34",
           assay="Archer FusionPlex Lung", specimen="FFPE lung biopsy", lab="CHU molecular genetics")]),
    ("thoracic", 4, dict(
        patient_record_number="IPP0028764", patient_name="ROUSSEAU Hélène", patient_sex="female",
        patient_birth_date=date(1949, 11, 8), diagnosis="Pulmonary sarcomatoid carcinoma, stage IIIB",
        icd10_code="C34.3", icdo3_morphology="8033/3", stage="cT4N2M0, IIIB", ecog="2", prior_lines=0,
        clinical_question="MET exon 14 skipping in a 77-year-old: capmatinib or tepotinib upfront, given ECOG 2?",
        urgency="routine"),
     [dict(kind="variant", gene="MET", transcript="NM_000245.4", hgvs_c="c.3082+1G>T", vaf="27",
           description="Splice donor site: MET exon 14 skipping",
           assay="Oncomine Focus (52 genes)", specimen="FFPE lung biopsy", lab="CHU molecular genetics"),
      dict(kind="pdl1", pdl1_tps="60", assay="22C3", specimen="FFPE lung biopsy", lab="CHU pathology")]),
    ("thoracic", None, dict(
        patient_record_number="IPP0070021", patient_name="BLANC Gérard", patient_sex="male",
        patient_birth_date=date(1952, 3, 17), diagnosis="Squamous cell carcinoma of the lung, stage IV",
        icd10_code="C34.1", icdo3_morphology="8070/3", stage="IVA", ecog="1", prior_lines=0,
        clinical_question="PD-L1 TPS 80 % without driver: pembrolizumab alone or with chemotherapy?",
        urgency="routine"),
     [dict(kind="pdl1", pdl1_tps="80", assay="22C3", specimen="FFPE bronchial biopsy", lab="CHU pathology"),
      dict(kind="tmb", tmb="11.3", assay="TSO500", specimen="FFPE bronchial biopsy", lab="CHU molecular genetics")]),
    ("dermatology", 10, dict(
        patient_record_number="IPP0045530", patient_name="LAMBERT Julie", patient_sex="female",
        patient_birth_date=date(1980, 2, 11), diagnosis="Cutaneous melanoma, stage IV (M1c)",
        icd10_code="C43.5", icdo3_morphology="8720/3", stage="pT3bN2aM1c, IV", ecog="0", prior_lines=1,
        prior_treatments="Adjuvant nivolumab 12 months (2024-2025); relapse with liver and lung metastases 09/2026.",
        clinical_question="BRAF V600E after adjuvant anti-PD-1: encorafenib-binimetinib or ipilimumab-nivolumab?",
        urgency="routine", research_consent=["MELBASE"]),
     [dict(kind="variant", gene="BRAF", transcript="NM_004333.6", hgvs_c="c.1799T>A", hgvs_p="V600E", vaf="46",
           assay="Melanoma hotspot panel", specimen="FFPE lymph node", lab="CHU molecular genetics"),
      dict(kind="tmb", tmb="14.2", assay="TSO500", specimen="FFPE lymph node", lab="CHU molecular genetics")]),
    ("dermatology", 7, dict(
        patient_record_number="IPP0033318", patient_name="MERCIER Philippe", patient_sex="male",
        patient_birth_date=date(1963, 7, 19), diagnosis="Nodular melanoma of the back, stage IV",
        icd10_code="C43.5", icdo3_morphology="8721/3", stage="IV (M1b)", ecog="1", prior_lines=2,
        prior_treatments="Ipilimumab-nivolumab (progression at 4 months); then nivolumab-relatlimab (progression).",
        clinical_question="NRAS Q61R after two lines of immunotherapy: MEK inhibitor, TIL therapy or a trial?",
        urgency="routine", research_consent=["MELBASE"]),
     [dict(kind="variant", gene="NRAS", transcript="NM_002524.5", hgvs_c="c.182A>G", hgvs_p="p.Q61R", vaf="39",
           assay="Melanoma hotspot panel", specimen="FFPE skin metastasis", lab="CHU molecular genetics")]),
    ("dermatology", None, dict(
        patient_record_number="IPP0080114", patient_name="BONNET André", patient_sex="male",
        patient_birth_date=date(1941, 12, 1), diagnosis="Cutaneous squamous cell carcinoma of the scalp, locally advanced",
        icd10_code="C44.4", icdo3_morphology="8070/3", stage="T4aN1", ecog="2", prior_lines=0,
        clinical_question="High TMB, inoperable: cemiplimab first line?", urgency="routine"),
     [dict(kind="tmb", tmb="45.6", assay="TSO500", specimen="FFPE skin biopsy", lab="CHU molecular genetics")]),
    ("paediatric", 11, dict(
        patient_record_number="IPP0090072", patient_name="PETIT Lucas", patient_sex="male",
        patient_birth_date=date(2022, 5, 3), diagnosis="Neuroblastoma, high risk, relapsed",
        icd10_code="C74.9", icdo3_morphology="9500/3", stage="INRG M", ecog="1", prior_lines=2,
        prior_treatments="Rapid COJEC, busulfan-melphalan with autologous stem cells, anti-GD2 maintenance; relapse in bone marrow.",
        clinical_question="ALK F1174L at relapse: lorlatinib (compassionate access) with chemotherapy? Germline ALK testing needed?",
        urgency="urgent", research_consent=["Immunotarget"]),
     [dict(kind="variant", gene="ALK", transcript="NM_004304.5", hgvs_c="c.3522C>A", hgvs_p="F1174L", vaf="18",
           assay="Paediatric solid tumour panel", specimen="FFPE bone marrow biopsy", lab="CHU oncogenetics"),
      dict(kind="cnv", gene="MYCN", cnv_type="amplification", copy_number="42",
           assay="FISH and panel", specimen="FFPE bone marrow biopsy", lab="CHU oncogenetics")]),
    ("paediatric", 5, dict(
        patient_record_number="IPP0091805", patient_name="ROBIN Emma", patient_sex="female",
        patient_birth_date=date(2026, 2, 9), diagnosis="Infantile fibrosarcoma of the thigh",
        icd10_code="C49.2", icdo3_morphology="8814/3", stage="Localised, unresectable",
        prior_lines=0,
        clinical_question="ETV6::NTRK3: larotrectinib before surgery instead of chemotherapy?", urgency="urgent"),
     [dict(kind="fusion", gene="ETV6", gene_3p="NTRK3", description="ETV6 exon 5 :: NTRK3 exon 15",
           assay="RNA fusion panel", specimen="FFPE tumour biopsy", lab="CHU oncogenetics")]),
    ("paediatric", 3, dict(
        patient_record_number="IPP0088431", patient_name="GARCIA Nathan", patient_sex="male",
        patient_birth_date=date(2013, 10, 27), diagnosis="Glioblastoma, constitutional mismatch repair deficiency",
        icd10_code="C71.1", icdo3_morphology="9440/3", stage="Relapse after RT", ecog="1",
        prior_lines=1, prior_treatments="Gross total resection, focal radiotherapy with temozolomide; relapse at 7 months.",
        clinical_question="MSI-H, ultra-hypermutated: nivolumab or pembrolizumab? Genetic counselling for the family (PMS2)?",
        urgency="routine"),
     [dict(kind="msi", msi_status="MSI-H", assay="MSI PCR (pentaplex)", specimen="FFPE tumour", lab="CHU oncogenetics"),
      dict(kind="tmb", tmb="352", assay="Whole exome", specimen="FFPE tumour", lab="CHU oncogenetics"),
      dict(kind="variant", gene="PMS2", transcript="NM_000535.7", hgvs_c="c.1831dup", hgvs_p="p.I611Nfs*2",
           description="Germline, biallelic (second allele: exon 10 deletion)",
           assay="Germline panel", specimen="Blood", lab="CHU oncogenetics")]),
)


class _NoFetching(URLFetcher):
    """The demo report is self-contained: any fetch is a bug, never a network call."""

    def fetch(self, url, headers=None):
        raise ValueError(f"demo report must not fetch {url[:100]}")


def ngs_report_pdf(case: Case, board_slug: str, panel: str, specimen: str) -> bytes:
    rows = []
    for b in case.biomarkers:
        if b.kind is BiomarkerKind.VARIANT:
            rows.append(dict(gene=b.gene, finding=" ".join(x for x in (b.hgvs_c, b.hgvs_p) if x),
                             transcript=b.transcript or "", value=f"{b.vaf:g} %" if b.vaf is not None else "",
                             tier="Tier I (strong clinical significance)"))
        elif b.kind in (BiomarkerKind.FUSION, BiomarkerKind.CNV):
            rows.append(dict(gene=b.gene if b.kind is BiomarkerKind.CNV else f"{b.gene}::{b.gene_3p}", finding=b.label,
                             transcript="", value=f"{b.copy_number:g} copies" if b.copy_number is not None else "",
                             tier="Tier I (strong clinical significance)"))
        else:
            rows.append(dict(gene=b.label.split(" ")[0], finding=b.label, transcript="", value="", tier="Biomarker"))
    html = render_template(
        "cases/ngs_report.html", case=case, lab=LABS[board_slug], rows=rows, panel=panel, specimen=specimen,
        report_id=f"NGS-{case.reference[-9:]}", issued=utcnow().date() - timedelta(days=2), tumour_content=60,
        method=("DNA and RNA extracted from the specimen; targeted next-generation sequencing (Ion Torrent / "
                "Illumina), mean depth > 500x; variants reported at VAF ≥ 5 %. Reference genome GRCh38."),
        comment="Findings to be discussed at the molecular tumour board. Germline confirmation is advised when a "
                "pathogenic variant in a cancer predisposition gene is found.",
    )
    return HTML(string=html, url_fetcher=_NoFetching()).write_pdf()


def seed() -> None:
    """Add the demo cases (the boards and clinician@example.org exist); flushes, never commits."""
    # Messages and the report template are translated: give them a request's locale.
    with current_app.test_request_context("/"):
        _seed()


def _seed() -> None:
    clinician = db.session.scalar(sa.select(User).where(User.email == "clinician@example.org"))
    if clinician is None:
        return
    now = utcnow()
    for board_slug, days_ago, values, rows in DEMO_CASES:
        board = boards.get_board(board_slug)
        clean, checked = validation.check_form(dict(values), [dict(r) for r in rows], complete=True)
        case = Case(reference=next_reference(board), board=board, submitter=clinician, status=CaseStatus.DRAFT)
        services.apply_values(case, clean, checked)
        db.session.add(case)
        case.created_at = now - timedelta(days=(days_ago or 1) + 2)
        change_status(case, CaseStatus.DRAFT, clinician)
        db.session.flush()
        if days_ago is None:
            continue
        case.submitted_at = now - timedelta(days=days_ago)
        change_status(case, CaseStatus.SUBMITTED, clinician)
        db.session.flush()
        for event in case.events:
            event.at = case.created_at if event.kind == "draft" else case.submitted_at
        first = rows[0]
        pdf = ngs_report_pdf(case, board_slug, first.get("assay", ""), first.get("specimen", ""))
        checked_file = check_upload(f"NGS report {case.reference}.pdf", pdf, 25 * 1024 * 1024)
        attachment = services.attach_file(case, clinician, checked_file, "NGS report")
        attachment.uploaded_at = case.submitted_at
    db.session.flush()
