"""Search finds findings as pathology reports write them: the search index (``case_search``)
also holds each finding's exon ("exon 19") and protein reference (NP_004324.2), and a
frameshift written short (p.Arg1443fs for p.Arg1443GlyfsTer12), each on a line of its own
ended by a new line. The table keeps its shape; its rows are written again, as
``mtb.cases.search`` now writes them.

Revision ID: o1search02
Revises: n1search01
Create Date: 2026-12-10
"""

from alembic import op

revision = "o1search02"
down_revision = "n1search01"
branch_labels = None
depends_on = None

#: The words of a finding's kind, as ``mtb.cases.search._finding_words`` writes them.
_FINDING_WORDS = """
       CASE b.kind
         WHEN 'cnv' THEN coalesce(b.cnv_type, 'copy-number change')
         WHEN 'fusion' THEN CASE WHEN b.partner_unknown THEN 'fusion rearrangement partner unknown'
                                 ELSE 'fusion rearrangement' END
         WHEN 'tmb' THEN 'TMB'
         WHEN 'msi' THEN 'MSI ' || coalesce(b.msi_status, '')
         WHEN 'mmr' THEN 'MMR ' || coalesce(b.mmr_status, '')
         WHEN 'pdl1' THEN 'PD-L1'
         WHEN 'hrd' THEN 'HRD ' || coalesce(b.hrd_status, '')
         WHEN 'other' THEN coalesce(b.description, '')
         ELSE '' END"""

#: The exon, protein reference and short frameshift, as ``mtb.cases.search._more_words``
#: writes them: a frameshift's new residue is the three letters before "fs" (a letter's
#: upper and lower case differ), left out.
_MORE_WORDS = """
       coalesce(b.exon || char(10), '') || coalesce(b.protein_reference || char(10), '') ||
       CASE WHEN instr(b.hgvs_p, 'fs') > 4
                 AND upper(substr(b.hgvs_p, instr(b.hgvs_p, 'fs') - 1, 1))
                     != lower(substr(b.hgvs_p, instr(b.hgvs_p, 'fs') - 1, 1))
            THEN substr(b.hgvs_p, 1, instr(b.hgvs_p, 'fs') - 4) || 'fs' || char(10)
            ELSE '' END"""

_DOCUMENTS = """
SELECT c.id,
       coalesce(c.reference, '') || char(10) || coalesce(c.patient_name, '') || char(10) ||
       coalesce(c.patient_record_number, '') || char(10) || coalesce(c.diagnosis, '') || char(10) ||
       coalesce(c.icd10_code, ''),
       coalesce((SELECT {agg}(coalesce(b.gene, '') || char(10) || coalesce(b.gene_3p, '') || char(10) ||
                              coalesce(b.transcript, '') || char(10) || coalesce(b.hgvs_c, '') || char(10) ||
                              coalesce(b.hgvs_p, '') || char(10) || {more}{words}, char(10))
                 FROM biomarkers b WHERE b.case_id = c.id), '')
FROM cases c
"""


def _write_rows(more: str) -> None:
    """Every case's row written again (one statement: the index follows in the same transaction)."""
    documents = _DOCUMENTS.format(more=more, words=_FINDING_WORDS.strip(), agg="{agg}")
    op.execute("DELETE FROM case_search")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO case_search (rowid, about, findings) " + documents.format(agg="group_concat"))
    else:
        op.execute("INSERT INTO case_search (case_id, about, findings) "
                   + documents.format(agg="string_agg").replace("char(10)", "chr(10)").replace("instr(", "strpos("))


def upgrade():
    _write_rows(_MORE_WORDS.strip() + " || ")


def downgrade():
    _write_rows("")
