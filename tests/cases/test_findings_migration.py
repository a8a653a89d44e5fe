"""The migrations of the molecular findings keep existing rows' data: assay, specimen, lab and
date move to a report per case; a reference stored in front of a description moves to its
field, also the one the old one-letter conversion mangled (p.AsnPro_004324.2:p.Val600Glu).

Runs on a scratch SQLite database migrated step by step (whatever the suite's database)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _migration(name: str):
    path = next(VERSIONS.glob(f"*_{name}_*.py"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _legacy_rows(conn) -> None:
    """A case and its biomarker rows as older code stored them (its board and user left out)."""
    conn.execute(sa.text(
        "INSERT INTO cases (id, reference, board_id, submitter_id, status, version, patient_record_number, "
        "patient_name, patient_sex, patient_birth_date, diagnosis, icd10_code, clinical_question, urgency, "
        "research_consent, no_molecular_report, created_at, updated_at) VALUES (1, 'THO-2026-0001', 1, 1, 'submitted', "
        "1, 'IPP1', 'A B', 'female', '1960-01-01', 'Lung', 'C34.1', 'Q', 'routine', '[]', 0, '2026-01-01', "
        "'2026-01-01')"))
    rows = [
        (1, "variant", "BRAF", None, "c.NM_004333.6:c.1799T>A", "p.AsnPro_004324.2:p.Val600Glu", "Oncomine",
         "FFPE liver metastasis biopsy", "CHU", "2026-01-10"),
        (2, "variant", "EGFR", "NM_005228.5", "c.2573T>G", "p.Leu858Arg", "Oncomine", "FFPE liver metastasis biopsy",
         "CHU", "2026-01-10"),
        (3, "variant", "EGFR", None, "c.2369C>T", "p.NP_005219.2:p.Thr790Met", "Guardant360", "Plasma", "Guardant",
         None),
        (4, "tmb", None, None, None, None, None, None, None, None),
        (5, "variant", "KRAS", "NM_004985.4", "c.NM_004985.5:c.35G>A", "p.Gly12Asp", None, None, None, None),
    ]
    for row in rows:
        conn.execute(sa.text(
            "INSERT INTO biomarkers (id, case_id, position, kind, gene, transcript, hgvs_c, hgvs_p, assay, specimen, "
            "lab, reported_on, vaf) VALUES (:id, 1, :id, :kind, :gene, :transcript, :c, :p, :assay, :specimen, :lab, "
            ":reported_on, 12.34)"), dict(zip(("id", "kind", "gene", "transcript", "c", "p", "assay", "specimen", "lab",
                                              "reported_on"), row)))


def test_migrations_move_report_fields_to_reports_and_split_stored_references(scratch_database):
    upgrade(revision="g1cases03")
    with scratch_database.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no board nor user: only the rows at stake
        _legacy_rows(conn)
        conn.commit()
    upgrade(revision="g3cases05")
    with scratch_database.connect() as conn:
        reports = conn.execute(sa.text("SELECT id, assay, lab, reported_on, specimen_type, sample_site, note "
                                       "FROM molecular_reports ORDER BY position")).all()
        biomarkers = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, report_id, transcript, hgvs_c, hgvs_p, protein_reference, vaf FROM biomarkers"))}
    assert [(r.assay, r.specimen_type, r.sample_site) for r in reports] == [
        ("Oncomine", "ffpe_tissue", "metastasis"), ("Guardant360", "plasma_ctdna", None)]
    assert reports[0].note == "Specimen: FFPE liver metastasis biopsy" and reports[0].lab == "CHU"
    tissue, plasma = reports[0].id, reports[1].id
    assert biomarkers[1].report_id == biomarkers[2].report_id == tissue and biomarkers[3].report_id == plasma
    assert biomarkers[4].report_id is None
    braf = biomarkers[1]
    assert (braf.transcript, braf.hgvs_c, braf.protein_reference, braf.hgvs_p) == (
        "NM_004333.6", "c.1799T>A", "NP_004324.2", "p.Val600Glu")
    assert (biomarkers[3].protein_reference, biomarkers[3].hgvs_p) == ("NP_005219.2", "p.Thr790Met")
    assert (biomarkers[2].transcript, biomarkers[2].hgvs_c) == ("NM_005228.5", "c.2573T>G")  # untouched
    # A stored transcript that clashes with the one in the description: both left as they were.
    assert (biomarkers[5].transcript, biomarkers[5].hgvs_c) == ("NM_004985.4", "c.NM_004985.5:c.35G>A")
    assert float(braf.vaf) == 12.34


def test_the_repair_reads_back_only_real_accessions():
    repair = _migration("g3cases05")
    assert repair.split_protein("p.AsnPro_004324.2:p.Val600Glu") == ("NP_004324.2", "p.Val600Glu")
    assert repair.split_protein("p.GluAsnSerPro00000288602.7:p.Val600Glu") == ("ENSP00000288602.7", "p.Val600Glu")
    assert repair.split_protein("p.Val600Glu") is None
    assert repair.split_protein("p.ValGlu_600:p.Val600Glu") is None  # "VE_600" is no accession
    assert repair.split_coding("NM_004985.5(KRAS):c.35G>A") == ("NM_004985.5", "c.35G>A")
    assert repair.split_coding("c.1799T>A") is None
    reports = _migration("g2cases04")
    assert reports.specimen_type("FFPE bone marrow biopsy") == "bone_marrow"
    assert reports.specimen_type("Blood") == "blood_germline"
    assert reports.specimen_type("cfDNA (plasma)") == "plasma_ctdna"
    assert reports.specimen_type("swab") is None
