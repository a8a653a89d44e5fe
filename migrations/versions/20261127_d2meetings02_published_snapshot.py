"""Agenda items remember how they were last published (place, time, length, presenter),
so a re-publication marks every item that moved, not only the one dragged.

Revision ID: d2meetings02
Revises: c0merge01
Create Date: 2026-11-27 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d2meetings02"
down_revision = "c0merge01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_starts_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("published_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_presenter_id", sa.Integer(), nullable=True))
    # Agendas already published: take their current state as the published one (start
    # times are left empty: they are compared only once known).
    op.execute(
        "UPDATE agenda_items SET published_position = position, published_minutes = minutes, "
        "published_presenter_id = presenter_id "
        "WHERE meeting_id IN (SELECT id FROM meetings WHERE agenda_publications > 0)"
    )


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("published_presenter_id")
        batch_op.drop_column("published_minutes")
        batch_op.drop_column("published_starts_at")
        batch_op.drop_column("published_position")
