"""The search index's rows written before it held the words of each finding's kind are
written again by the migration, as new writes write them.

Runs on a scratch SQLite database migrated step by step (whatever the suite's database)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mtb.cases import search

FINDINGS = [
    ("cnv", "MET", None, "amplification", 0, None),
    ("fusion", "EML4", "ALK", None, 0, None),
    ("fusion", "ROS1", None, None, 1, None),
    ("cnv", "CDKN2A", None, None, 0, None),
    ("other", None, None, None, 0, "MGMT promoter methylated"),
]


def _existing_case(conn) -> None:
    """A case and its findings as stored before the migration (board and user left out)."""
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.execute(sa.text(
        "INSERT INTO cases (id, reference, board_id, submitter_id, status, version, patient_record_number, "
        "patient_name, patient_sex, patient_birth_date, diagnosis, icd10_code, clinical_question, urgency, "
        "research_consent, created_at, updated_at, listed_at) VALUES (1, 'THO-2026-0001', 1, 1, 'submitted', 1, "
        "'IPP1', 'A B', 'female', '1960-01-01', 'Lung', 'C34.1', 'Q', 'routine', '[]', '2026-01-01', "
        "'2026-01-01', '2026-01-01')"))
    for position, (kind, gene, gene_3p, cnv_type, unknown, description) in enumerate(FINDINGS):
        conn.execute(sa.text(
            "INSERT INTO biomarkers (case_id, position, kind, gene, gene_3p, cnv_type, partner_unknown, description) "
            "VALUES (1, :position, :kind, :gene, :gene_3p, :cnv_type, :unknown, :description)"),
            {"position": position, "kind": kind, "gene": gene, "gene_3p": gene_3p, "cnv_type": cnv_type,
             "unknown": unknown, "description": description})
    conn.execute(sa.text("DELETE FROM case_search"))
    conn.execute(sa.text("INSERT INTO case_search (rowid, about, findings) VALUES (1, 'THO-2026-0001', "
                         "'MET\nEML4\nALK\nROS1\nCDKN2A')"))


def _indexed(conn) -> str:
    return conn.execute(sa.text("SELECT findings FROM case_search WHERE rowid = 1")).scalar_one()


def test_the_upgrade_indexes_existing_findings_with_the_words_of_their_kind(scratch_database):
    upgrade(revision="m2indexes01")
    with scratch_database.begin() as conn:
        _existing_case(conn)
    upgrade(revision="n1search01")
    with scratch_database.connect() as conn:
        findings = _indexed(conn)
        expected = conn.execute(search._documents([1])).one()[2]
    assert sorted(findings.split("\n")) == sorted(expected.split("\n"))  # as a new write indexes them
    for words in ("amplification", "fusion rearrangement", "partner unknown", "copy-number change",
                  "MGMT promoter methylated"):
        assert words in findings, words
    downgrade(revision="m2indexes01")
    with scratch_database.connect() as conn:
        assert "amplification" not in _indexed(conn) and "MET" in _indexed(conn)
