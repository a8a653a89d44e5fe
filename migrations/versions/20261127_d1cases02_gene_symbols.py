"""Gene symbols added by administrators (approved after the shipped HGNC table).

Revision ID: d1cases02
Revises: c0merge01
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "d1cases02"
down_revision = "c0merge01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gene_symbols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("chromosome", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"], name=op.f("fk_gene_symbols_added_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gene_symbols")),
        sa.UniqueConstraint("symbol", name=op.f("uq_gene_symbols_symbol")),
    )


def downgrade():
    op.drop_table("gene_symbols")
