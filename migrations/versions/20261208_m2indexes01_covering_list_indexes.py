"""Searches for a finding and the lists' counts read indexes only: a board's list index
also holds each case's status and author (what every list filters on), and a case's
findings are indexed by (case, protein change) and (case, genes), which replace the
index on the case alone. A search for V600E probes thousands of cases to count its
matches; each probe then reads no row (benchmarks/README.md).

Revision ID: m2indexes01
Revises: m1carried01
Create Date: 2026-12-08
"""

from alembic import op

revision = "m2indexes01"
down_revision = "m1carried01"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_cases_board_listed", table_name="cases")
    op.create_index("ix_cases_board_listed", "cases", ["board_id", "listed_at", "id", "status", "submitter_id"])
    op.create_index("ix_biomarkers_case_hgvs_p", "biomarkers", ["case_id", "hgvs_p"])
    op.create_index("ix_biomarkers_case_genes", "biomarkers", ["case_id", "gene", "gene_3p"])
    op.drop_index("ix_biomarkers_case_id", table_name="biomarkers")


def downgrade():
    op.create_index("ix_biomarkers_case_id", "biomarkers", ["case_id"])
    op.drop_index("ix_biomarkers_case_genes", table_name="biomarkers")
    op.drop_index("ix_biomarkers_case_hgvs_p", table_name="biomarkers")
    op.drop_index("ix_cases_board_listed", table_name="cases")
    op.create_index("ix_cases_board_listed", "cases", ["board_id", "listed_at", "id"])
