"""Who opened a case is found by the audit events' object: an index on (object_type,
object_id). Without it the submitter's "Who opened this case" panel read the whole trail on
every view of their case page (half a million events at 100,000 cases).

Revision ID: s1auditobj01
Revises: r1moved01
Create Date: 2026-12-14
"""

from alembic import op

revision = "s1auditobj01"
down_revision = "r1moved01"
branch_labels = None
depends_on = None


def upgrade():
    # Not in a batch: on SQLite a batch could copy the append-only table (and drop its guards).
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"], unique=False)


def downgrade():
    op.drop_index("ix_audit_events_object", table_name="audit_events")
