"""The case search finds what a finding's report says beyond its gene and changes: the
genomic change, the proteins an MMR result lost, and a finding's note; a negative panel's
genes and a gene named in a note are still no finding of that gene. Existing cases are
indexed again by the migration, as new writes index them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mtb.cases import search as search_index
from tests.cases.test_search_as_reports_write import _found


def test_genomic_changes_lost_proteins_and_notes_are_found(client, login, clinician, create_case):
    braf = create_case(biomarkers=[{"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu",
                                    "hgvs_g": "NC_000007.14:g.140753336A>T"}])
    lynch = create_case(biomarkers=[{"kind": "mmr", "mmr_status": "deficient", "mmr_lost": ["MLH1", "PMS2"]}])
    proficient = create_case(biomarkers=[{"kind": "mmr", "mmr_status": "proficient"}])
    noted = create_case(biomarkers=[{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys",
                                     "description": "Subclonal; TP53 wild-type"}])
    negative = create_case(biomarkers=[{"kind": "negative", "not_detected": ["MLH1", "EGFR"]}])
    everyone = {braf, lynch, proficient, noted, negative}
    login(clinician)
    expected = {
        "g.140753336A>T": {braf}, "NC_000007.14:g.140753336A>T": {braf}, "140753336": {braf},
        "MLH1": {lynch}, "PMS2": {lynch}, "MSH6": set(), "MMR deficient": {lynch},
        "subclonal": {noted}, "Subclonal KRAS": {noted},
        # A gene a note names, or a panel tested and did not find, is no finding of that gene.
        "TP53": set(), "EGFR": set(),
    }
    for q, cases in expected.items():
        assert _found(client, q, everyone) == cases, q


def test_an_edited_note_is_found_by_its_new_words(client, login, clinician, create_case):
    from mtb.extensions import db

    case = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Leu858Arg",
                                    "description": "germline testing advised"}])
    login(clinician)
    assert _found(client, "germline", {case}) == {case}
    case.biomarkers[0].description = "confirmed on liquid biopsy"
    db.session.commit()
    assert _found(client, "germline", {case}) == set()
    assert _found(client, "liquid biopsy", {case}) == {case}


def _existing_case(conn) -> None:
    """A case whose findings were indexed before the index held them (board and user left out)."""
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.execute(sa.text(
        "INSERT INTO cases (id, reference, board_id, submitter_id, status, version, patient_record_number, "
        "patient_name, patient_sex, patient_birth_date, diagnosis, icd10_code, clinical_question, urgency, "
        "research_consent, created_at, updated_at, listed_at) VALUES (1, 'DER-2026-0001', 1, 1, 'submitted', 1, "
        "'IPP1', 'A B', 'female', '1960-01-01', 'Melanoma', 'C43.5', 'Q', 'routine', '[]', '2026-01-01', "
        "'2026-01-01', '2026-01-01')"))
    findings = [
        {"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu", "hgvs_g": "NC_000007.14:g.140753336A>T",
         "mmr_status": None, "mmr_lost": "[]", "description": "Subclonal"},
        {"kind": "mmr", "gene": None, "hgvs_p": None, "hgvs_g": None, "mmr_status": "deficient",
         "mmr_lost": '["MLH1", "PMS2"]', "description": None},
        {"kind": "other", "gene": None, "hgvs_p": None, "hgvs_g": None, "mmr_status": None, "mmr_lost": "[]",
         "description": "MGMT promoter methylated"},
    ]
    for position, finding in enumerate(findings):
        conn.execute(sa.text(
            "INSERT INTO biomarkers (case_id, position, kind, gene, hgvs_p, hgvs_g, mmr_status, mmr_lost, "
            "description, partner_unknown) VALUES (1, :position, :kind, :gene, :hgvs_p, :hgvs_g, :mmr_status, "
            ":mmr_lost, :description, 0)"), {"position": position, **finding})
    conn.execute(sa.text("DELETE FROM case_search"))
    conn.execute(sa.text("INSERT INTO case_search (rowid, about, findings) VALUES (1, 'DER-2026-0001', 'BRAF')"))


def _indexed(conn) -> str:
    return conn.execute(sa.text("SELECT findings FROM case_search WHERE rowid = 1")).scalar_one()


def test_the_upgrade_indexes_existing_notes_genomic_changes_and_lost_proteins(scratch_database):
    upgrade(revision="p1bundle01")
    with scratch_database.begin() as conn:
        _existing_case(conn)
    upgrade(revision="q1search03")
    with scratch_database.connect() as conn:
        findings = _indexed(conn)
        expected = conn.execute(search_index._documents([1])).one()[2]
    assert findings == expected  # as a new write indexes them
    for words in ("NC_000007.14:g.140753336A>T\n", "Subclonal\n", "MMR deficient MLH1 PMS2"):
        assert words in findings, words
    assert findings.count("MGMT promoter methylated") == 1  # an "other" finding's note is its words, once
    downgrade(revision="p1bundle01")
    with scratch_database.connect() as conn:
        assert "g.140753336" not in _indexed(conn) and "MLH1" not in _indexed(conn)
        assert "MGMT promoter methylated" in _indexed(conn)
