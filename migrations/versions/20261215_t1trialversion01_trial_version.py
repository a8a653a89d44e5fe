"""A trial carries a version (``trials.version``, SQLAlchemy's version counter): a save from
an edit form loaded before someone else's save, or before an import changed the trial, is
refused as a conflict instead of overwriting it. Trials saved before this revision start at 1.

Revision ID: t1trialversion01
Revises: s1auditobj01
Create Date: 2026-12-15
"""

import sqlalchemy as sa
from alembic import op

revision = "t1trialversion01"
down_revision = "s1auditobj01"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a column copies no table on SQLite (ALTER TABLE ADD COLUMN): trial_boards is untouched.
    with op.batch_alter_table("trials") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    # Not in a batch: on SQLite a batch would copy the table and drop the old one, and dropping
    # a table with foreign keys on deletes its rows first, cascading to trial_boards. SQLite
    # (3.35 and later) and PostgreSQL both drop a column in place.
    op.drop_column("trials", "version")
