"""A recommendation's evidence is stored as (scheme, level, modifiers) on four scales (ESCAT,
OncoKB, NCT/DKTK m-levels, AMP/ASCO/CAP) instead of an ESCAT tier column; a trial keeps
several registry ids (trial_id widened to hold them, joined by ", "), a title and a phase.

Existing rows: an ESCAT tier becomes the evidence (escat, tier) and the OncoKB level stays
the second grading; a row with an OncoKB level and no ESCAT tier gets (oncokb, level) as its
evidence. Existing trial ids stay as they are (one id is a valid list).

Revision ID: i2decisions01
Revises: h1cases06
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "i2decisions01"
down_revision = "h1cases06"
branch_labels = None
depends_on = None


def _recommendations(*names: str):
    return sa.table("recommendations", sa.column("id", sa.Integer), *(sa.column(name, sa.String) for name in names))


def upgrade():
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("evidence_scheme", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("evidence_level", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("evidence_modifiers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("trial_title", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("trial_phase", sa.String(length=8), nullable=True))
        batch.alter_column("trial_id", existing_type=sa.String(length=40), type_=sa.String(length=200),
                           existing_nullable=True)
    recs = _recommendations("escat_tier", "oncokb_level", "evidence_scheme", "evidence_level")
    bind = op.get_bind()
    bind.execute(recs.update().where(recs.c.escat_tier.is_not(None), recs.c.escat_tier != "")
                 .values(evidence_scheme="escat", evidence_level=recs.c.escat_tier))
    bind.execute(recs.update().where(recs.c.evidence_scheme.is_(None), recs.c.oncokb_level.is_not(None),
                                     recs.c.oncokb_level != "")
                 .values(evidence_scheme="oncokb", evidence_level=recs.c.oncokb_level, oncokb_level=None))
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_column("escat_tier")


def downgrade():
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("escat_tier", sa.String(length=8), nullable=True))
    recs = _recommendations("escat_tier", "oncokb_level", "evidence_scheme", "evidence_level", "trial_id")
    bind = op.get_bind()
    bind.execute(recs.update().where(recs.c.evidence_scheme == "escat").values(escat_tier=recs.c.evidence_level))
    bind.execute(recs.update().where(recs.c.evidence_scheme == "oncokb").values(oncokb_level=recs.c.evidence_level))
    # The older column holds one id: keep the first of the list.
    for row in bind.execute(sa.select(recs.c.id, recs.c.trial_id).where(recs.c.trial_id.like("%,%"))).all():
        bind.execute(recs.update().where(recs.c.id == row.id).values(trial_id=row.trial_id.split(",")[0][:40]))
    with op.batch_alter_table("recommendations") as batch:
        batch.alter_column("trial_id", existing_type=sa.String(length=200), type_=sa.String(length=40),
                           existing_nullable=True)
        batch.drop_column("trial_title")
        batch.drop_column("trial_phase")
        batch.drop_column("evidence_modifiers")
        batch.drop_column("evidence_level")
        batch.drop_column("evidence_scheme")
