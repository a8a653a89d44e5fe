"""Lists and search at hospital scale: cases sort by a stored, indexed ``listed_at``
(submission, or creation for drafts) and page by key; the pool finds a board's waiting
cases by (board, status); search reads an index (``case_search``: SQLite FTS5 with the
trigram tokenizer, PostgreSQL pg_trgm GIN indexes) instead of scanning cases and
biomarkers; fusion partners (``gene_3p``) are indexed like genes, and protein changes
(``hgvs_p``) for a whole substitution typed as V600E.

On PostgreSQL the pg_trgm extension is created when the role may do so; without it the
table still works (the search then scans it, a single narrow table), and the migration
says how to add it.

Revision ID: i1cases07
Revises: h1cases06
Create Date: 2026-12-02
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "i1cases07"
down_revision = "h1cases06"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_DOCUMENTS = """
SELECT c.id,
       coalesce(c.reference, '') || char(10) || coalesce(c.patient_name, '') || char(10) ||
       coalesce(c.patient_record_number, '') || char(10) || coalesce(c.diagnosis, '') || char(10) ||
       coalesce(c.icd10_code, ''),
       coalesce((SELECT {agg}(coalesce(b.gene, '') || char(10) || coalesce(b.gene_3p, '') || char(10) ||
                              coalesce(b.transcript, '') || char(10) || coalesce(b.hgvs_c, '') || char(10) ||
                              coalesce(b.hgvs_p, ''), char(10))
                 FROM biomarkers b WHERE b.case_id = c.id), '')
FROM cases c
"""


def upgrade():
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("listed_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE cases SET listed_at = coalesce(submitted_at, created_at)")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("listed_at", existing_type=sa.DateTime(), nullable=False)
        batch.create_index("ix_cases_board_listed", ["board_id", "listed_at", "id"])
        batch.create_index("ix_cases_submitter_listed", ["submitter_id", "listed_at", "id"])
        batch.create_index("ix_cases_board_status", ["board_id", "status"])
    with op.batch_alter_table("biomarkers") as batch:
        batch.create_index("ix_biomarkers_gene_3p", ["gene_3p"])
        batch.create_index("ix_biomarkers_hgvs_p", ["hgvs_p"])

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(about, findings, tokenize='trigram')")
        op.execute("INSERT INTO case_search (rowid, about, findings) " + _DOCUMENTS.format(agg="group_concat"))
    else:
        op.execute("CREATE TABLE case_search (case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, "
                   "about text NOT NULL, findings text NOT NULL)")
        op.execute("INSERT INTO case_search (case_id, about, findings) "
                   + _DOCUMENTS.format(agg="string_agg").replace("char(10)", "chr(10)"))
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            savepoint.commit()
        except sa.exc.DBAPIError:
            savepoint.rollback()
            log.warning("pg_trgm could not be created: search works but scans case_search. "
                        "As a superuser: CREATE EXTENSION pg_trgm; then run the two CREATE INDEX of this migration.")
            return
        op.execute("CREATE INDEX ix_case_search_about ON case_search USING gin (about gin_trgm_ops)")
        op.execute("CREATE INDEX ix_case_search_findings ON case_search USING gin (findings gin_trgm_ops)")


def downgrade():
    op.execute("DROP TABLE case_search")
    with op.batch_alter_table("biomarkers") as batch:
        batch.drop_index("ix_biomarkers_hgvs_p")
        batch.drop_index("ix_biomarkers_gene_3p")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_board_status")
        batch.drop_index("ix_cases_submitter_listed")
        batch.drop_index("ix_cases_board_listed")
        batch.drop_column("listed_at")
