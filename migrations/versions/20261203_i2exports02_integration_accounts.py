"""Integration accounts: systems that read the validated decisions of their boards as FHIR
bundles through the API, with a bearer token of which only the SHA-256 is kept.

Revision ID: i2exports02
Revises: i2decisions01
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "i2exports02"
down_revision = "i2decisions01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "integration_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_integration_accounts_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_integration_accounts_revoked_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_integration_accounts_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_integration_accounts_token_hash")),
    )
    op.create_table(
        "integration_account_boards",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["integration_accounts.id"],
                                name=op.f("fk_integration_account_boards_account_id_integration_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_integration_account_boards_board_id_boards"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "board_id", name=op.f("pk_integration_account_boards")),
    )


def downgrade():
    op.drop_table("integration_account_boards")
    op.drop_table("integration_accounts")
