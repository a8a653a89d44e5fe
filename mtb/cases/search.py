"""The case search index: one row per case with its words, searched by an index on both
databases instead of ``ILIKE '%word%'`` scans over cases and their biomarkers.

The table ``case_search`` has two text columns: ``about`` (reference, patient name and
record number, diagnosis, ICD-10 code) and ``findings`` (each biomarker's genes,
transcript, HGVS changes (c., p. and g.), protein reference and exon, a frameshift also
written short as reports write it, the words its label in a list says of its kind:
"amplification" for MET amplification, "fusion" for ALK fusion EML4::ALK, "MMR deficient
MLH1 PMS2" with the proteins lost, and its note; in English, the stored values' language).
A negative panel's genes are left out: they are no finding. On SQLite it is an FTS5 table with the trigram tokenizer
(rowid = case id); on PostgreSQL a table with ``pg_trgm`` GIN indexes. Both answer
"contains this text, in any case" for words of three characters or more, like the scan
they replace; shorter words fall back to a scan of this one table.

The table is not a model (an FTS5 table cannot be one): it is created by its migration,
kept up to date by a session hook whenever a case or a biomarker is written through the
ORM, and rebuilt by ``rebuild`` after bulk loads (``flask cases reindex``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from mtb.cases.findings import Biomarker, BiomarkerKind, CnvType, HrdStatus, MmrStatus, MsiStatus
from mtb.cases.models import Case
from mtb.cases.vocab import MMR_PROTEINS
from mtb.db import escape_like

TABLE = "case_search"
#: Words shorter than this are not served by trigram indexes.
INDEXED_LENGTH = 3
#: PostgreSQL: a text found in fewer cases than this is looked up by the ids of its cases.
#: Reading the ids costs in proportion to their number; walking the list for a page costs
#: in inverse proportion (a text in 1 % of cases walks 2,500 for 25). At 100,000 cases
#: they meet near 1,700: a first name in 1,200 cases answers 22 % sooner by its ids, and a
#: word in 45,000 (a diagnosis) pays 1 ms more to find out it is common.
RARE_TEXT = 2000

_search = sa.table(TABLE, sa.column("case_id", sa.Integer), sa.column("about", sa.Text),
                   sa.column("findings", sa.Text))


def _words(*columns) -> sa.ColumnElement:
    """The columns' texts, one per line (no search word spans two: words hold no space)."""
    parts = [sa.func.coalesce(column, "") for column in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "\n" + part
    return joined


def _text(column) -> sa.ColumnElement[str]:
    """An enum column as its stored text (a literal beside it is then no enum value)."""
    return sa.func.coalesce(sa.type_coerce(column, sa.String()), "")


#: What a finding's label says of its kind, by kind (``biomarker_label``: "MET amplification",
#: "ALK fusion EML4::ALK", "TMB 14 mut/Mb", "MMR deficient"), as the index writes it. A fusion
#: is also a rearrangement (what FISH reports); a variant's label is its gene and change, and
#: a negative panel's genes are no finding (a search for ALK must not list ALK-negative cases).
_KIND_WORDS = {
    BiomarkerKind.CNV: "copy-number change",  # when the type is not given
    BiomarkerKind.FUSION: "fusion rearrangement",
    BiomarkerKind.TMB: "TMB",
    BiomarkerKind.MSI: "MSI",
    BiomarkerKind.MMR: "MMR",
    BiomarkerKind.PDL1: "PD-L1",
    BiomarkerKind.HRD: "HRD",
}
PARTNER_UNKNOWN = "partner unknown"

#: Every word the index writes for a finding's kind, in capitals: one that is also a gene's
#: symbol or alias (PD-L1 is CD274's alias, HRD TBCE's, MSS SIL1's, and the mismatch repair
#: proteins an MMR result lost) is looked for in the findings' words too, not only in their
#: genes.
FINDING_WORDS = frozenset(
    word.upper()
    for text in (*_KIND_WORDS.values(), PARTNER_UNKNOWN, *CnvType, *MsiStatus, *MmrStatus, *HrdStatus,
                 *MMR_PROTEINS)
    for word in text.split()
)


def _lost_proteins() -> sa.ColumnElement[str]:
    """" MLH1 PMS2" for an MMR result that lost them (the JSON list's words: '["MLH1",
    "PMS2"]' without its brackets, quotes and commas), else ""."""
    listed = sa.cast(Biomarker.mmr_lost, sa.Text())
    for mark in ("[", "]", '"', ","):
        listed = sa.func.replace(listed, mark, "")
    return sa.func.coalesce(" " + sa.func.nullif(listed, ""), "")


def _finding_words() -> sa.ColumnElement[str]:
    """The words of ``_KIND_WORDS`` for the finding's kind, with its type or status (an
    "other" finding is its description)."""
    kind = Biomarker.kind
    return sa.case(
        (kind == BiomarkerKind.CNV, sa.func.coalesce(sa.type_coerce(Biomarker.cnv_type, sa.String()),
                                                     _KIND_WORDS[BiomarkerKind.CNV])),
        (kind == BiomarkerKind.FUSION, sa.case(
            (Biomarker.partner_unknown, f"{_KIND_WORDS[BiomarkerKind.FUSION]} {PARTNER_UNKNOWN}"),
            else_=_KIND_WORDS[BiomarkerKind.FUSION])),
        (kind == BiomarkerKind.TMB, _KIND_WORDS[BiomarkerKind.TMB]),
        (kind == BiomarkerKind.MSI, _KIND_WORDS[BiomarkerKind.MSI] + " " + _text(Biomarker.msi_status)),
        (kind == BiomarkerKind.MMR, _KIND_WORDS[BiomarkerKind.MMR] + " " + _text(Biomarker.mmr_status)
         + _lost_proteins()),
        (kind == BiomarkerKind.PDL1, _KIND_WORDS[BiomarkerKind.PDL1]),
        (kind == BiomarkerKind.HRD, _KIND_WORDS[BiomarkerKind.HRD] + " " + _text(Biomarker.hrd_status)),
        (kind == BiomarkerKind.OTHER, sa.func.coalesce(Biomarker.description, "")),
        else_="",
    )


class _position(FunctionElement):
    """Where a text first holds another, from 1 (0: nowhere): instr() on SQLite, strpos() on
    PostgreSQL."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_position)
def _position_sqlite(element, compiler, **kw):
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_position, "postgresql")
def _position_postgresql(element, compiler, **kw):
    return f"strpos({compiler.process(element.clauses, **kw)})"


def _frameshift_words() -> sa.ColumnElement[str]:
    """A frameshift as reports shorten it, without the new residue and the stop, and a new
    line ("p.Arg1443fs" for p.Arg1443GlyfsTer12), so that a search for R1443fs finds it by
    the index; else "" (a frameshift stored without its new residue is already short)."""
    at = _position(Biomarker.hgvs_p, "fs")
    before = sa.func.substr(Biomarker.hgvs_p, at - 1, 1)
    # The new residue is three letters before "fs" (a letter's upper and lower case differ).
    return sa.case((sa.and_(at > 4, sa.func.upper(before) != sa.func.lower(before)),
                    sa.func.substr(Biomarker.hgvs_p, 1, at - 4) + "fs\n"), else_="")


def _more_words() -> sa.ColumnElement[str]:
    """The finding's exon, protein reference, short frameshift, genomic change and note (an
    "other" finding's note is its description, written with its kind's words), each on a
    line of its own ended by a new line ("exon 1" is then told from "exon 10"), or "" when
    it has none."""
    note = sa.case((Biomarker.kind != BiomarkerKind.OTHER, sa.func.coalesce(Biomarker.description + "\n", "")),
                   else_="")
    return (sa.func.coalesce(Biomarker.exon + "\n", "") + sa.func.coalesce(Biomarker.protein_reference + "\n", "")
            + _frameshift_words() + sa.func.coalesce(Biomarker.hgvs_g + "\n", "") + note)


def _documents(case_ids=None) -> sa.Select:
    """(case id, about, findings) of the cases given, or of every case."""
    findings = (
        sa.select(sa.func.aggregate_strings(
            _words(Biomarker.gene, Biomarker.gene_3p, Biomarker.transcript, Biomarker.hgvs_c, Biomarker.hgvs_p,
                   _more_words() + _finding_words()), "\n"))
        .where(Biomarker.case_id == Case.id).scalar_subquery()
    )
    query = sa.select(
        Case.id,
        _words(Case.reference, Case.patient_name, Case.patient_record_number, Case.diagnosis, Case.icd10_code),
        sa.func.coalesce(findings, ""),
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return query


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def _key(connection) -> str:
    return "rowid" if _is_sqlite(connection) else "case_id"


def refresh(connection, case_ids) -> None:
    """Write the index rows of these cases again (a deleted case loses its row)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    key = _key(connection)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(sa.text(f"DELETE FROM {TABLE} WHERE {key} IN ({', '.join(map(str, chunk))})"))
        connection.execute(sa.insert(sa.table(TABLE, sa.column(key), sa.column("about"), sa.column("findings")))
                           .from_select([key, "about", "findings"], _documents(chunk)))


def rebuild(connection) -> int:
    """Index every case again (after a bulk load or a restore); answers how many."""
    key = _key(connection)
    connection.execute(sa.text(f"DELETE FROM {TABLE}"))
    connection.execute(sa.insert(sa.table(TABLE, sa.column(key), sa.column("about"), sa.column("findings")))
                       .from_select([key, "about", "findings"], _documents()))
    return connection.scalar(sa.text(f"SELECT count(*) FROM {TABLE}"))


# --- Queries -----------------------------------------------------------------------

def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def containing(connection, texts: list[str], *, findings: bool = True,
               in_findings: Sequence[str] = ()) -> sa.ColumnElement[bool]:
    """Cases whose words contain any of ``texts`` (about the case, and its findings unless
    ``findings`` is False) or whose findings' words contain any of ``in_findings``, as
    ``Case.id IN (...)`` served by the index."""
    both = ("about", "findings") if findings else ("about",)
    searched = [(text, both) for text in texts] + [(text, ("findings",)) for text in in_findings]
    wanted = []
    if _is_sqlite(connection):
        groups: dict[tuple[str, ...], list[str]] = {}
        for text, columns in searched:
            if len(text) >= INDEXED_LENGTH:
                groups.setdefault(columns, []).append(text)
        if groups:
            query = " OR ".join("{" + " ".join(columns) + "} : (" + " OR ".join(_fts_phrase(t) for t in long) + ")"
                                for columns, long in groups.items())
            wanted.append(sa.select(sa.literal_column("rowid")).select_from(sa.table(TABLE))
                          .where(sa.literal_column(TABLE).op("MATCH")(sa.literal(query))))
        for text, columns in searched:
            if len(text) < INDEXED_LENGTH:  # no index below three characters: a scan of this table
                wanted.append(sa.select(sa.literal_column("rowid")).select_from(sa.table(TABLE)).where(sa.or_(
                    *(sa.func.instr(sa.func.lower(sa.literal_column(c)), text.lower()) > 0 for c in columns))))
    else:
        conditions = [_search.c[c].ilike(f"%{escape_like(t)}%") for t, columns in searched for c in columns]
        hits = sa.select(_search.c.case_id).where(sa.or_(*conditions))
        # PostgreSQL answers "IN (the index's hits)" by walking the list newest first and
        # probing each case's row: quick for a common word, but a surname in a few hundred
        # cases walked thousands (35 ms). A rare text's cases are read from the trigram
        # index first, then looked up by id; a common one keeps the walk, which stops soon.
        found = connection.execute(hits.limit(RARE_TEXT)).scalars().all()
        if len(found) < RARE_TEXT:
            # As one array, not an IN of hundreds of parameters: the statement's text stays
            # the same whatever the count (prepared once), and the page and its count each
            # planned 25 % faster for a first name in 600 cases.
            return Case.id == sa.any_(sa.literal(list(found), type_=ARRAY(sa.Integer)))
        wanted.append(hits)
    if not wanted:
        return sa.false()
    return Case.id.in_(sa.union(*wanted) if len(wanted) > 1 else wanted[0])


# --- Keeping the index up to date -------------------------------------------------


#: The case columns the index holds: a status change or a version bump needs no new row.
_INDEXED_CASE_COLUMNS = ("reference", "patient_name", "patient_record_number", "diagnosis", "icd10_code")


def _words_changed(case: Case) -> bool:
    state = sa.inspect(case)
    return any(state.attrs[name].history.has_changes() for name in _INDEXED_CASE_COLUMNS)


@event.listens_for(Session, "after_flush")
def _note_changed_cases(session: Session, flush_context) -> None:
    """After each flush, index again the cases whose words were written, and those whose
    biomarkers were (the history is still the flush's own here)."""
    ids = set()
    for obj in session.new:
        if isinstance(obj, Case | Biomarker):
            ids.add(obj.id if isinstance(obj, Case) else obj.case_id)
    for obj in session.dirty:
        if isinstance(obj, Case) and _words_changed(obj):
            ids.add(obj.id)
        elif isinstance(obj, Biomarker):
            ids.add(obj.case_id)
    for obj in session.deleted:
        if isinstance(obj, Case | Biomarker):
            ids.add(obj.id if isinstance(obj, Case) else obj.case_id)
    ids.discard(None)
    if ids:
        refresh(session.connection(), ids)
