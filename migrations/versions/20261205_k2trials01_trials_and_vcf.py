"""The site's trial registry (trials, the boards that may propose each) and where an
imported biomarker row comes from (VCF name, SHA-256, record line).

Revision ID: k2trials01
Revises: j0merge04
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "k2trials01"
down_revision = "j0merge04"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_ids", sa.String(length=200), nullable=False),
        sa.Column("primary_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("acronym", sa.String(length=60), nullable=True),
        sa.Column("phase", sa.String(length=8), nullable=True),
        sa.Column("status", _enum("trialstatus", "recruiting", "on_hold", "closed"), nullable=False),
        sa.Column("sponsor", sa.String(length=200), nullable=True),
        sa.Column("investigator", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("conditions", sa.String(length=500), nullable=True),
        sa.Column("eligibility_text", sa.Text(), nullable=True),
        sa.Column("alterations", sa.JSON(), nullable=False),
        sa.Column("molecular_logic", _enum("molecularlogic", "any", "all"), nullable=False),
        sa.Column("tmb_min", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("requires_msi_high", sa.Boolean(), nullable=False),
        sa.Column("pdl1_tps_min", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("requires_hrd", sa.Boolean(), nullable=False),
        sa.Column("icd10_ranges", sa.JSON(), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("prior_lines_min", sa.Integer(), nullable=True),
        sa.Column("prior_lines_max", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_trials_updated_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
        sa.UniqueConstraint("primary_id", name=op.f("uq_trials_primary_id")),
    )
    op.create_index(op.f("ix_trials_status"), "trials", ["status"], unique=False)
    op.create_index(op.f("ix_trials_updated_by_id"), "trials", ["updated_by_id"], unique=False)
    op.create_table(
        "trial_boards",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_trial_boards_board_id_boards"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name=op.f("fk_trial_boards_trial_id_trials"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("trial_id", "board_id", name=op.f("pk_trial_boards")),
    )
    op.create_index(op.f("ix_trial_boards_board_id"), "trial_boards", ["board_id"], unique=False)
    with op.batch_alter_table("biomarkers") as batch:
        batch.add_column(sa.Column("source_file", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("source_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("source_line", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("biomarkers") as batch:
        batch.drop_column("source_line")
        batch.drop_column("source_sha256")
        batch.drop_column("source_file")
    op.drop_index(op.f("ix_trial_boards_board_id"), table_name="trial_boards")
    op.drop_table("trial_boards")
    op.drop_index(op.f("ix_trials_updated_by_id"), table_name="trials")
    op.drop_index(op.f("ix_trials_status"), table_name="trials")
    op.drop_table("trials")
