"""Faithful molecular findings: a case's lab reports (specimen, tumour cell content, assay,
genome build) in their own table, each biomarker naming its report; the fields a board
decides on (origin, classification, exon, genomic description, fusion partner unknown
and driver, breakpoints, method, ratios, MMR by IHC, PD-L1 category and clone, negative
results); a VAF kept to 0.0001 %; the symbol a renamed gene replaced.

Existing rows keep their data: each case's biomarkers with the same assay, specimen, lab
and report date become one report, whose specimen type is read from the specimen text
where it says so (the text itself is kept in the report's note).

Revision ID: g2cases04
Revises: g1cases03
Create Date: 2026-12-01
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "g2cases04"
down_revision = "g1cases03"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


NEW_COLUMNS = (
    ("hgvs_g", sa.String(length=200)),
    ("exon", sa.String(length=30)),
    ("origin", _enum("variantorigin", "somatic", "germline", "unknown")),
    ("classification", _enum("classification", "tier_1", "tier_2", "tier_3", "tier_4", "class_5", "class_4",
                             "class_3", "class_2", "class_1")),
    ("cn_ratio", sa.Numeric(precision=6, scale=2)),
    ("log2_ratio", sa.Numeric(precision=5, scale=2)),
    ("method", _enum("detectionmethod", "rna_ngs", "dna_ngs", "fish", "ihc", "rt_pcr")),
    ("driver", _enum("fusiondriver", "5p", "3p")),
    ("breakpoint_5p", sa.String(length=30)),
    ("breakpoint_3p", sa.String(length=30)),
    ("mmr_status", _enum("mmrstatus", "proficient", "deficient")),
    ("pdl1_category", _enum("pdl1category", "below_1", "1_to_49", "50_or_more")),
    ("pdl1_clone", _enum("pdl1clone", "22C3", "SP263", "SP142", "28-8")),
)
MOVED = ("assay", "specimen", "lab", "reported_on")

# The specimen text of older rows, read for its type (first match wins).
SPECIMEN_WORDS = (
    (r"plasma|ctdna|cfdna|liquid", "plasma_ctdna"),
    (r"marrow", "bone_marrow"),
    (r"saliva", "saliva_germline"),
    (r"blood", "blood_germline"),
    (r"cytolog|effusion|smear", "cytology"),
    (r"frozen", "frozen_tissue"),
    (r"ffpe|biops|resection|tissue|block|tumou?r", "ffpe_tissue"),
)


def specimen_type(text):
    lowered = (text or "").lower()
    for pattern, value in SPECIMEN_WORDS:
        if re.search(pattern, lowered):
            return value
    return None


def sample_site(text):
    lowered = (text or "").lower()
    if "metasta" in lowered:
        return "metastasis"
    if "primary" in lowered:
        return "primary"
    return None


def upgrade():
    op.create_table(
        "molecular_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assay", sa.String(length=200), nullable=True),
        sa.Column("lab", sa.String(length=200), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("genome_build", _enum("genomebuild", "GRCh37", "GRCh38"), nullable=True),
        sa.Column("specimen_type", _enum("specimentype", "ffpe_tissue", "frozen_tissue", "cytology", "plasma_ctdna",
                                         "bone_marrow", "blood_germline", "saliva_germline", "other"), nullable=True),
        sa.Column("sample_id", sa.String(length=60), nullable=True),
        sa.Column("collected_on", sa.Date(), nullable=True),
        sa.Column("sample_site", _enum("samplesite", "primary", "metastasis"), nullable=True),
        sa.Column("site", sa.String(length=120), nullable=True),
        sa.Column("tumour_content", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_molecular_reports_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_molecular_reports")),
    )
    with op.batch_alter_table("molecular_reports") as batch:
        batch.create_index(batch.f("ix_molecular_reports_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("biomarkers") as batch:
        batch.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        for name, type_ in NEW_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("partner_unknown", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("mmr_lost", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch.add_column(sa.Column("not_detected", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch.alter_column("vaf", existing_type=sa.Numeric(precision=5, scale=2),
                           type_=sa.Numeric(precision=7, scale=4), existing_nullable=True)
        batch.create_index(batch.f("ix_biomarkers_report_id"), ["report_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_biomarkers_report_id_molecular_reports"), "molecular_reports",
                                 ["report_id"], ["id"], ondelete="SET NULL")

    _move_report_fields_to_reports(op.get_bind())

    with op.batch_alter_table("biomarkers") as batch:
        for name in MOVED:
            batch.drop_column(name)

    with op.batch_alter_table("gene_symbols") as batch:
        batch.add_column(sa.Column("previous_symbol", sa.String(length=40), nullable=True))


def _move_report_fields_to_reports(conn):
    """One report per case and (assay, specimen, lab, report date) found on its rows."""
    biomarkers = sa.table("biomarkers", sa.column("id"), sa.column("case_id"), sa.column("position"),
                          sa.column("report_id"), *(sa.column(name) for name in MOVED))
    # A Table with its primary key, so an insert tells the new report's id on every database.
    reports = sa.Table("molecular_reports", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                       *(sa.Column(name) for name in ("case_id", "position", "assay", "lab", "reported_on",
                                                      "specimen_type", "sample_site", "note")))
    rows = conn.execute(sa.select(biomarkers.c.id, biomarkers.c.case_id, *(biomarkers.c[n] for n in MOVED))
                        .order_by(biomarkers.c.case_id, biomarkers.c.position, biomarkers.c.id)).all()
    made: dict[tuple, int] = {}
    count: dict[int, int] = {}
    for row in rows:
        assay, specimen, lab, reported_on = (row.assay, row.specimen, row.lab, row.reported_on)
        if not any((assay, specimen, lab, reported_on)):
            continue
        key = (row.case_id, assay, specimen, lab, reported_on)
        if key not in made:
            position = count.get(row.case_id, 0)
            count[row.case_id] = position + 1
            note = f"Specimen: {specimen}"[:300] if specimen else None
            result = conn.execute(reports.insert().values(
                case_id=row.case_id, position=position, assay=assay, lab=lab, reported_on=reported_on,
                specimen_type=specimen_type(specimen), sample_site=sample_site(specimen), note=note))
            made[key] = result.inserted_primary_key[0]
        conn.execute(biomarkers.update().where(biomarkers.c.id == row.id).values(report_id=made[key]))


def downgrade():
    with op.batch_alter_table("gene_symbols") as batch:
        batch.drop_column("previous_symbol")
    with op.batch_alter_table("biomarkers") as batch:
        batch.add_column(sa.Column("assay", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("specimen", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lab", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("reported_on", sa.Date(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE biomarkers SET assay = (SELECT assay FROM molecular_reports r WHERE r.id = biomarkers.report_id), "
        "lab = (SELECT lab FROM molecular_reports r WHERE r.id = biomarkers.report_id), "
        "reported_on = (SELECT reported_on FROM molecular_reports r WHERE r.id = biomarkers.report_id), "
        "specimen = (SELECT substr(note, 11) FROM molecular_reports r WHERE r.id = biomarkers.report_id "
        "AND note LIKE 'Specimen: %') WHERE report_id IS NOT NULL"))
    with op.batch_alter_table("biomarkers") as batch:
        batch.drop_constraint(batch.f("fk_biomarkers_report_id_molecular_reports"), type_="foreignkey")
        batch.drop_index(batch.f("ix_biomarkers_report_id"))
        batch.alter_column("vaf", existing_type=sa.Numeric(precision=7, scale=4),
                           type_=sa.Numeric(precision=5, scale=2), existing_nullable=True)
        for name in ("report_id", "partner_unknown", "mmr_lost", "not_detected", *(n for n, _t in NEW_COLUMNS)):
            batch.drop_column(name)
    with op.batch_alter_table("molecular_reports") as batch:
        batch.drop_index(batch.f("ix_molecular_reports_case_id"))
    op.drop_table("molecular_reports")
