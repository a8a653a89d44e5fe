"""Merge the trial registry and the follow-up revisions; cases record the patient's consent
to germline testing (what the paediatric board asks before it discusses a predisposition).

Revision ID: k9merge05
Revises: k1outcomes01, k2trials01
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "k9merge05"
down_revision = ("k1outcomes01", "k2trials01")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("germline_consent", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("germline_consent")
