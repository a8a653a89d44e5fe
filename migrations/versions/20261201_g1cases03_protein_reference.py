"""A biomarker keeps the protein reference pasted before its p. change (NP_004324.2).

Revision ID: g1cases03
Revises: f2idempotency01
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "g1cases03"
down_revision = "f2idempotency01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("biomarkers") as batch:
        batch.add_column(sa.Column("protein_reference", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("biomarkers") as batch:
        batch.drop_column("protein_reference")
