"""Meetings: agenda re-publication marker, cadence review flag; notification preferences.

Revision ID: b2meetings01
Revises: fd668aa640bd
Create Date: 2026-11-27 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b2meetings01"
down_revision = "fd668aa640bd"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_preferences_user_id_kind")),
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preferences_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("needs_review")
        batch_op.drop_column("published_version")

    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_user_id"))

    op.drop_table("notification_preferences")
