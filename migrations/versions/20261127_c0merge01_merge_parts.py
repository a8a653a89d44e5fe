"""Join the cases, meetings and decisions schema branches into one head.

Revision ID: c0merge01
Revises: b1cases01, b2meetings01, b3decisions01
Create Date: 2026-11-27
"""

revision = "c0merge01"
down_revision = ("b1cases01", "b2meetings01", "b3decisions01")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
