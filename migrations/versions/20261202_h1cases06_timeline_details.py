"""The timeline keeps the system's sentences as codes and times (case_events.details), to be
worded in the reader's language; before, they were stored in the language of whoever acted.

Existing notes that are one of the system's fixed sentences, in English or French, become
their code. Sentences with a date inside ("Agenda of Mon 1 Dec 2026, 14:00") stay as stored:
the date was written in the actor's format and is not read back.

Revision ID: h1cases06
Revises: h0merge03
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "h1cases06"
down_revision = "h0merge03"
branch_labels = None
depends_on = None

_FIXED = {
    "not_discussed": ("Not discussed; no later meeting yet", "Non discuté ; pas encore de réunion ultérieure"),
    "deferral_undone": ("Deferral undone", "Report annulé"),
    "rediscuss": ("Re-discuss at a later meeting", "Rediscuter lors d'une réunion ultérieure"),
}


def upgrade():
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
    events = sa.table("case_events", sa.column("note", sa.String), sa.column("details", sa.JSON))
    for code, sentences in _FIXED.items():
        op.get_bind().execute(
            events.update().where(events.c.note.in_(sentences)).values(note=None, details={"say": code})
        )


def downgrade():
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("details")
