"""Sign-in through the hospital's directory (LDAP / Active Directory, OpenID Connect):
the account's external identity, and the directory sessions re-checked every few minutes.

Revision ID: g1accounts04
Revises: f2idempotency01
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "g1accounts04"
down_revision = "f2idempotency01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("auth_source", sa.String(length=10), nullable=False, server_default="local"))
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_auth_source_external_id"), ["auth_source", "external_id"])
    op.create_table(
        "directory_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("began_at", sa.DateTime(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_directory_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_sessions")),
    )
    with op.batch_alter_table("directory_sessions") as batch:
        batch.create_index(batch.f("ix_directory_sessions_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_directory_sessions_began_at"), ["began_at"], unique=False)


def downgrade():
    with op.batch_alter_table("directory_sessions") as batch:
        batch.drop_index(batch.f("ix_directory_sessions_began_at"))
        batch.drop_index(batch.f("ix_directory_sessions_user_id"))
    op.drop_table("directory_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_auth_source_external_id"), type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("auth_source")
