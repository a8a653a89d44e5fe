"""The migration that keeps a carried-over follow-up's source version as a number: the
sentences stored in either language become the version, a reason a person typed stays.

Runs on a scratch SQLite database migrated step by step (whatever the suite's database)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade


def test_stored_carry_over_sentences_become_the_version_they_name(scratch_database):
    upgrade(revision="l1decided01")
    with scratch_database.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # follow-ups without their decisions: only the rows at stake
        for ident, reason in [(1, "Carried over from decision version 2"),
                              (2, "Reporté de la version 3 de la décision"),
                              (3, "Carried over from decision version 2 after the review"), (4, None)]:
            conn.execute(sa.text(
                "INSERT INTO follow_ups (id, recommendation_id, decision_id, case_id, board_id, milestone_months, "
                "version, is_current, implemented, serious_toxicity, recorded_at, change_reason) "
                "VALUES (:id, :id, 1, 1, 1, 3, 1, 1, 1, 0, '2026-01-01', :reason)"), {"id": ident, "reason": reason})
        conn.commit()
    upgrade(revision="m1carried01")
    with scratch_database.connect() as conn:
        rows = {r.id: (r.carried_from_version, r.change_reason) for r in conn.execute(sa.text(
            "SELECT id, carried_from_version, change_reason FROM follow_ups"))}
    assert rows == {1: (2, None), 2: (3, None), 3: (None, "Carried over from decision version 2 after the review"),
                    4: (None, None)}
