"""Search finds what a finding's report says beyond its gene and changes: the search index
(``case_search``) also holds each finding's genomic change (NC_000007.14:g.140753336A>T),
the proteins an MMR result lost ("MMR deficient MLH1 PMS2") and any finding's note, each
as ``mtb.cases.search`` now writes them. The table keeps its shape; its rows are written
again.

Revision ID: q1search03
Revises: p1bundle01
Create Date: 2026-12-12
"""

from alembic import op

revision = "q1search03"
down_revision = "p1bundle01"
branch_labels = None
depends_on = None

#: The proteins an MMR result lost, as ``mtb.cases.search._lost_proteins`` writes them: the
#: JSON list's words without brackets, quotes and commas, after a space.
_LOST = """coalesce(' ' || nullif(replace(replace(replace(replace(CAST(b.mmr_lost AS TEXT),
                 '[', ''), ']', ''), '"', ''), ',', ''), ''), '')"""


def _finding_words(lost: str) -> str:
    """The words of a finding's kind, as ``mtb.cases.search._finding_words`` writes them."""
    return f"""
       CASE b.kind
         WHEN 'cnv' THEN coalesce(b.cnv_type, 'copy-number change')
         WHEN 'fusion' THEN CASE WHEN b.partner_unknown THEN 'fusion rearrangement partner unknown'
                                 ELSE 'fusion rearrangement' END
         WHEN 'tmb' THEN 'TMB'
         WHEN 'msi' THEN 'MSI ' || coalesce(b.msi_status, '')
         WHEN 'mmr' THEN 'MMR ' || coalesce(b.mmr_status, ''){lost}
         WHEN 'pdl1' THEN 'PD-L1'
         WHEN 'hrd' THEN 'HRD ' || coalesce(b.hrd_status, '')
         WHEN 'other' THEN coalesce(b.description, '')
         ELSE '' END"""


#: The exon, protein reference and short frameshift, as ``mtb.cases.search._more_words``
#: writes them (with ``_NEW_LINES`` after them since this revision).
_MORE_WORDS = """
       coalesce(b.exon || char(10), '') || coalesce(b.protein_reference || char(10), '') ||
       CASE WHEN instr(b.hgvs_p, 'fs') > 4
                 AND upper(substr(b.hgvs_p, instr(b.hgvs_p, 'fs') - 1, 1))
                     != lower(substr(b.hgvs_p, instr(b.hgvs_p, 'fs') - 1, 1))
            THEN substr(b.hgvs_p, 1, instr(b.hgvs_p, 'fs') - 4) || 'fs' || char(10)
            ELSE '' END"""

#: The genomic change and the note of any finding but an "other" one (whose note is its
#: description, already its kind's words), each on a line of its own.
_NEW_LINES = """
       || coalesce(b.hgvs_g || char(10), '') ||
       CASE WHEN b.kind != 'other' THEN coalesce(b.description || char(10), '') ELSE '' END"""

_DOCUMENTS = """
SELECT c.id,
       coalesce(c.reference, '') || char(10) || coalesce(c.patient_name, '') || char(10) ||
       coalesce(c.patient_record_number, '') || char(10) || coalesce(c.diagnosis, '') || char(10) ||
       coalesce(c.icd10_code, ''),
       coalesce((SELECT {agg}(coalesce(b.gene, '') || char(10) || coalesce(b.gene_3p, '') || char(10) ||
                              coalesce(b.transcript, '') || char(10) || coalesce(b.hgvs_c, '') || char(10) ||
                              coalesce(b.hgvs_p, '') || char(10) || {more} || {words}, char(10))
                 FROM biomarkers b WHERE b.case_id = c.id), '')
FROM cases c
"""


def _write_rows(more: str, lost: str) -> None:
    """Every case's row written again (one statement: the index follows in the same transaction)."""
    documents = _DOCUMENTS.format(more=more, words=_finding_words(lost).strip(), agg="{agg}")
    op.execute("DELETE FROM case_search")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO case_search (rowid, about, findings) " + documents.format(agg="group_concat"))
    else:
        op.execute("INSERT INTO case_search (case_id, about, findings) "
                   + documents.format(agg="string_agg").replace("char(10)", "chr(10)").replace("instr(", "strpos("))


def upgrade():
    _write_rows(_MORE_WORDS.strip() + _NEW_LINES, " || " + _LOST)


def downgrade():
    _write_rows(_MORE_WORDS.strip(), "")
