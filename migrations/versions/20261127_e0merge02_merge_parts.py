"""Join the gene-symbol and published-agenda revisions into one head.

Revision ID: e0merge02
Revises: d1cases02, d2meetings02
Create Date: 2026-11-27
"""

revision = "e0merge02"
down_revision = ("d1cases02", "d2meetings02")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
