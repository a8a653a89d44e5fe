"""The migration that gives trials a version (optimistic locking): trials saved before it
start at version 1 with their boards kept, and going back drops only the column.

Runs on a scratch SQLite database migrated step by step (whatever the suite's database)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

TRIAL = (
    "INSERT INTO trials (id, registry_ids, primary_id, title, status, alterations, molecular_logic, "
    "requires_msi_high, requires_hrd, icd10_ranges, created_at, updated_at) VALUES (7, 'NCT04613596', "
    "'NCT04613596', 'KRAS basket', 'recruiting', '[]', 'any', 0, 0, '[]', '2026-01-01', '2026-01-01')"
)


def test_trials_saved_before_start_at_version_one_and_keep_their_boards_both_ways(scratch_database):
    upgrade(revision="s1auditobj01")
    with scratch_database.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a trial's board row without the board: only the rows at stake
        conn.execute(sa.text(TRIAL))
        conn.execute(sa.text("INSERT INTO trial_boards (trial_id, board_id) VALUES (7, 1)"))
        conn.commit()
    upgrade(revision="t1trialversion01")
    with scratch_database.connect() as conn:
        assert conn.execute(sa.text("SELECT id, version FROM trials")).all() == [(7, 1)]
        assert conn.execute(sa.text("SELECT trial_id FROM trial_boards")).all() == [(7,)]
    downgrade(revision="s1auditobj01")
    with scratch_database.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("trials")}
        assert "version" not in columns and "title" in columns
        assert conn.execute(sa.text("SELECT trial_id FROM trial_boards")).all() == [(7,)]
