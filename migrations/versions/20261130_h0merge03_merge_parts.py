"""Merge the revisions of the directory sign-in, the molecular findings and the meeting day.

Revision ID: h0merge03
Revises: g1accounts04, g3cases05, g3meetingday01
Create Date: 2026-11-30
"""

revision = "h0merge03"
down_revision = ("g1accounts04", "g3cases05", "g3meetingday01")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
