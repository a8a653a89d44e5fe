"""A follow-up a correction took over keeps the decision version it came from, and its
reason is worded when shown; it was stored as a sentence in the language of the chair who
validated the correction ("Reporté de la version 1 de la décision" for English readers).
Stored sentences of either language become the version number.

Revision ID: m1carried01
Revises: l1decided01
Create Date: 2026-12-08
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "m1carried01"
down_revision = "l1decided01"
branch_labels = None
depends_on = None

#: The sentence as the two shipped languages stored it.
STORED = (re.compile(r"^Carried over from decision version (\d+)$"),
          re.compile(r"^Reporté de la version (\d+) de la décision$"))


def upgrade():
    with op.batch_alter_table("follow_ups") as batch:
        batch.add_column(sa.Column("carried_from_version", sa.Integer(), nullable=True))
    follow_ups = sa.table("follow_ups", sa.column("id", sa.Integer), sa.column("change_reason", sa.String),
                          sa.column("carried_from_version", sa.Integer))
    conn = op.get_bind()
    rows = conn.execute(sa.select(follow_ups.c.id, follow_ups.c.change_reason).where(sa.or_(
        follow_ups.c.change_reason.like("Carried over from decision version %"),
        follow_ups.c.change_reason.like("Reporté de la version %")))).all()
    for ident, reason in rows:
        found = next((m for m in (pattern.match(reason.strip()) for pattern in STORED) if m), None)
        if found:
            conn.execute(follow_ups.update().where(follow_ups.c.id == ident)
                         .values(carried_from_version=int(found.group(1)), change_reason=None))


def downgrade():
    follow_ups = sa.table("follow_ups", sa.column("change_reason", sa.String),
                          sa.column("carried_from_version", sa.Integer))
    op.execute(follow_ups.update().where(follow_ups.c.carried_from_version.is_not(None)).values(
        change_reason="Carried over from decision version " + sa.cast(follow_ups.c.carried_from_version, sa.String)))
    with op.batch_alter_table("follow_ups") as batch:
        batch.drop_column("carried_from_version")
