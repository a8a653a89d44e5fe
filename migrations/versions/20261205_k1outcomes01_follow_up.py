"""Follow-up of recommendations; the boards' follow-up months, turnaround target and
completeness requirements; decisions indexed by board and validation time (the dashboards).

Revision ID: k1outcomes01
Revises: j0merge04
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "k1outcomes01"
down_revision = "j0merge04"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table("boards") as batch:
        batch.add_column(sa.Column("follow_up_months", sa.JSON(), server_default=sa.text("'[3, 6, 12]'"),
                                   nullable=False))
        batch.add_column(sa.Column("turnaround_target_days", sa.Integer(), server_default=sa.text("14"),
                                   nullable=False))
        batch.add_column(sa.Column("completeness_requirements", sa.JSON(), server_default=sa.text("'[]'"),
                                   nullable=False))
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("milestone_months", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("implemented", sa.Boolean(), nullable=False),
        sa.Column("drug", sa.String(length=200), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("access", _enum("treatmentaccess", "approved", "off_label", "compassionate", "trial"), nullable=True),
        sa.Column("best_response", _enum("response", "CR", "PR", "SD", "PD", "NE"), nullable=True),
        sa.Column("response_on", sa.Date(), nullable=True),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("stop_reason", sa.String(length=300), nullable=True),
        sa.Column("serious_toxicity", sa.Boolean(), nullable=False),
        sa.Column("toxicity_note", sa.String(length=300), nullable=True),
        sa.Column("reason", _enum("notimplementedreason", "patient_declined", "clinical_deterioration", "death",
                                  "progression_before_start", "reimbursement_refused", "reimbursement_pending",
                                  "no_trial_slot", "other_therapy_chosen", "lost_to_follow_up", "other"),
                  nullable=True),
        sa.Column("reason_other", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("change_reason", sa.String(length=300), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_follow_ups_board_id_boards")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_follow_ups_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_follow_ups_decision_id_decisions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"],
                                name=op.f("fk_follow_ups_recommendation_id_recommendations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_follow_ups_recorded_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("recommendation_id", "milestone_months", "version",
                            name=op.f("uq_follow_ups_recommendation_id_milestone_months_version")),
    )
    for column in ("recommendation_id", "decision_id", "case_id", "board_id", "recorded_by_id"):
        op.create_index(f"ix_follow_ups_{column}", "follow_ups", [column])
    op.create_index("ix_follow_ups_board_current", "follow_ups", ["board_id", "is_current"])
    op.create_index("ix_decisions_board_validated", "decisions", ["board_id", "validated_at"])


def downgrade():
    op.drop_index("ix_decisions_board_validated", table_name="decisions")
    op.drop_table("follow_ups")
    with op.batch_alter_table("boards") as batch:
        batch.drop_column("completeness_requirements")
        batch.drop_column("turnaround_target_days")
        batch.drop_column("follow_up_months")
