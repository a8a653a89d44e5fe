"""Decisions keep when the board decided (the first validation of a decision on the agenda
item; a correction keeps it): follow-up milestones, reminders and the dashboards' periods
count from it, instead of moving with each correction.

Revision ID: l1decided01
Revises: k9merge05
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "l1decided01"
down_revision = "k9merge05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE decisions SET decided_at = (SELECT min(earlier.validated_at) FROM decisions AS earlier"
        " WHERE earlier.agenda_item_id = decisions.agenda_item_id AND earlier.version <= decisions.version)"
        " WHERE validated_at IS NOT NULL"
    )
    op.create_index("ix_decisions_board_decided", "decisions", ["board_id", "decided_at"])


def downgrade():
    op.drop_index("ix_decisions_board_decided", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("decided_at")
