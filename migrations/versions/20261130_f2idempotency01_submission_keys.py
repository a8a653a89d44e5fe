"""One-time keys of forms that must act once (a repeated submission gets the first answer).

Revision ID: f2idempotency01
Revises: f1accounts03
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "f2idempotency01"
down_revision = "f1accounts03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_keys",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_submission_keys")),
    )
    with op.batch_alter_table("submission_keys") as batch:
        batch.create_index(batch.f("ix_submission_keys_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("submission_keys") as batch:
        batch.drop_index(batch.f("ix_submission_keys_created_at"))
    op.drop_table("submission_keys")
