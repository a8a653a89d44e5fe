"""The migration to evidence on several scales keeps every recorded grading: an ESCAT tier
becomes (escat, tier), an OncoKB level alone becomes (oncokb, level), trial ids stay; going
back restores the ESCAT tier column.

Runs on a scratch SQLite database migrated step by step (whatever the suite's database)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade


def test_migration_turns_escat_and_oncokb_columns_into_evidence_and_back(scratch_database):
    upgrade(revision="h1cases06")
    with scratch_database.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a decision without its case: only the rows at stake
        conn.execute(sa.text(
            "INSERT INTO decisions (id, agenda_item_id, meeting_id, case_id, board_id, version, status, summary, "
            "quorum_met, quorum_missing, created_at, updated_at, row_version) VALUES (1, 1, 1, 1, 1, 1, 'draft', "
            "'S', 1, '[]', '2026-01-01', '2026-01-01', 1)"))
        for row in [(1, "targeted_therapy", "II-B", "3A", None), (2, "targeted_therapy", None, "1", None),
                    (3, "clinical_trial", None, None, "NCT04613596"), (4, "targeted_therapy", "", None, None)]:
            conn.execute(sa.text(
                "INSERT INTO recommendations (id, decision_id, position, kind, escat_tier, oncokb_level, trial_id) "
                "VALUES (:id, 1, :id, :kind, :escat, :oncokb, :trial)"),
                dict(zip(("id", "kind", "escat", "oncokb", "trial"), row)))
        conn.commit()
    upgrade(revision="i2decisions01")
    with scratch_database.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, evidence_scheme, evidence_level, oncokb_level, trial_id FROM recommendations"))}
        columns = {c["name"] for c in sa.inspect(conn).get_columns("recommendations")}
    assert "escat_tier" not in columns
    assert (rows[1].evidence_scheme, rows[1].evidence_level, rows[1].oncokb_level) == ("escat", "II-B", "3A")
    assert (rows[2].evidence_scheme, rows[2].evidence_level, rows[2].oncokb_level) == ("oncokb", "1", None)
    assert rows[3].trial_id == "NCT04613596" and rows[3].evidence_scheme is None
    assert rows[4].evidence_scheme is None
    with scratch_database.connect() as conn:
        conn.execute(sa.text("UPDATE recommendations SET trial_id = 'NCT04613596, 2023-503456-39-00' WHERE id = 3"))
        conn.commit()
    downgrade(revision="h1cases06")
    with scratch_database.connect() as conn:
        back = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, escat_tier, oncokb_level, trial_id FROM recommendations"))}
    assert (back[1].escat_tier, back[1].oncokb_level) == ("II-B", "3A")
    assert (back[2].escat_tier, back[2].oncokb_level) == (None, "1")
    assert back[3].trial_id == "NCT04613596"
