"""The meeting day: the session's current case (followed by the live view and the
presentation), the reason a case was deferred (printed in the minutes), who recorded a
conflict of interest (members declare their own), and the decision a minutes version
corrects (its reason is then written in the reader's language).

Revision ID: g3meetingday01
Revises: f2idempotency01
Create Date: 2026-11-30 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "g3meetingday01"
down_revision = "f2idempotency01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_item_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferral_note", sa.String(length=300), nullable=True))
    with op.batch_alter_table("recusals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_recusals_declared_by_id_users"), "users", ["declared_by_id"], ["id"],
                                    ondelete="SET NULL")
    with op.batch_alter_table("minutes_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_minutes_versions_correction_of_id_decisions"), "decisions",
                                    ["correction_of_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("minutes_versions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_minutes_versions_correction_of_id_decisions"), type_="foreignkey")
        batch_op.drop_column("correction_of_id")
    with op.batch_alter_table("recusals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_recusals_declared_by_id_users"), type_="foreignkey")
        batch_op.drop_column("declared_by_id")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("deferral_note")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("current_item_id")
