"""cases: a case may be submitted without biomarkers when no molecular report exists yet

Revision ID: b1cases01
Revises: fd668aa640bd
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1cases01'
down_revision = 'fd668aa640bd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_molecular_report', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('no_molecular_report')
