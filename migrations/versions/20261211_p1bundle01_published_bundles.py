"""A decision's FHIR Bundle is kept as published with the minutes (``published_bundles``):
its export no longer follows edits made to the case afterwards. Decisions published before
keep being exported from the case as it is.

Revision ID: p1bundle01
Revises: o1search02
Create Date: 2026-12-11
"""

import sqlalchemy as sa
from alembic import op

revision = "p1bundle01"
down_revision = "o1search02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "published_bundles",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_published_bundles_decision_id_decisions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_published_bundles")),
    )


def downgrade():
    op.drop_table("published_bundles")
