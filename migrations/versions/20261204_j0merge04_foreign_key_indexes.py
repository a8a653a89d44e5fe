"""Merge the lists-and-search, evidence and integration revisions; index every foreign key
that had none (lists filter by them, and deleting the row they point at, a user or a
meeting, would otherwise scan the whole table to set them to NULL or cascade).

Revision ID: j0merge04
Revises: i1cases07, i2exports02
Create Date: 2026-12-04
"""

from alembic import op

revision = "j0merge04"
down_revision = ("i1cases07", "i2exports02")
branch_labels = None
depends_on = None

#: (table, column): the index is named ix_<table>_<column>, as the models name it.
FOREIGN_KEYS = (
    ("audit_events", "board_id"),
    ("gene_symbols", "added_by_id"),
    ("attachments", "uploaded_by_id"),
    ("case_events", "user_id"),
    ("agenda_items", "presenter_id"),
    ("agenda_items", "carried_over_from_id"),
    ("attendances", "user_id"),
    ("recusals", "user_id"),
    ("recusals", "declared_by_id"),
    ("decisions", "created_by_id"),
    ("decisions", "validated_by_id"),
    ("recommendations", "biomarker_id"),
    ("minutes_versions", "signed_by_id"),
    ("minutes_versions", "correction_of_id"),
    ("integration_accounts", "created_by_id"),
    ("integration_accounts", "revoked_by_id"),
    ("integration_account_boards", "board_id"),
)


def upgrade():
    for table, column in FOREIGN_KEYS:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade():
    for table, column in reversed(FOREIGN_KEYS):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
