"""An agenda item remembers the later meeting an urgent case was moved from while its own
meeting sat (``agenda_items.moved_from_meeting_id``): taken off again, the case goes back
to that agenda instead of the pool. Items moved before this revision have no such meeting.

Revision ID: r1moved01
Revises: q1search03
Create Date: 2026-12-13
"""

import sqlalchemy as sa
from alembic import op

revision = "r1moved01"
down_revision = "q1search03"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(sa.Column("moved_from_meeting_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_agenda_items_moved_from_meeting_id_meetings"), "meetings",
                                 ["moved_from_meeting_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_agenda_items_moved_from_meeting_id"), ["moved_from_meeting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_index(op.f("ix_agenda_items_moved_from_meeting_id"))
        batch.drop_constraint(op.f("fk_agenda_items_moved_from_meeting_id_meetings"), type_="foreignkey")
        batch.drop_column("moved_from_meeting_id")
