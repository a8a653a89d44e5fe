"""Search finds findings as the lists write them: the search index (``case_search``) also
holds the words each finding's label says of its kind ("MET amplification", "ALK fusion
EML4::ALK", "MMR deficient", an "other" finding's description), so a search for
"amplification" or "ALK fusion" finds them. The table keeps its shape; its rows are written
again, as ``mtb.cases.search`` now writes them.

Revision ID: n1search01
Revises: m2indexes01
Create Date: 2026-12-09
"""

from alembic import op

revision = "n1search01"
down_revision = "m2indexes01"
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

_DOCUMENTS = """
SELECT c.id,
       coalesce(c.reference, '') || char(10) || coalesce(c.patient_name, '') || char(10) ||
       coalesce(c.patient_record_number, '') || char(10) || coalesce(c.diagnosis, '') || char(10) ||
       coalesce(c.icd10_code, ''),
       coalesce((SELECT {agg}(coalesce(b.gene, '') || char(10) || coalesce(b.gene_3p, '') || char(10) ||
                              coalesce(b.transcript, '') || char(10) || coalesce(b.hgvs_c, '') || char(10) ||
                              coalesce(b.hgvs_p, ''){words}, char(10))
                 FROM biomarkers b WHERE b.case_id = c.id), '')
FROM cases c
"""


def _write_rows(words: str) -> None:
    """Every case's row written again (one statement: the index follows in the same transaction)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM case_search")
        op.execute("INSERT INTO case_search (rowid, about, findings) "
                   + _DOCUMENTS.format(agg="group_concat", words=words))
    else:
        op.execute("DELETE FROM case_search")
        op.execute("INSERT INTO case_search (case_id, about, findings) "
                   + _DOCUMENTS.format(agg="string_agg", words=words).replace("char(10)", "chr(10)"))


def upgrade():
    _write_rows(" || char(10) || " + _FINDING_WORDS.strip())


def downgrade():
    _write_rows("")
