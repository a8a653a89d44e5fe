"""Descriptions stored with their reference in front are split as the case form now splits
them: the transcript goes to its field, a protein accession beside the p. change.

Older code kept what was pasted before the colon inside the description, sometimes mangled:
"NM_004333.6:c.1799T>A" was stored as c.NM_004333.6:c.1799T>A, and the one-letter
conversion turned "NP_004324.2:p.V600E" into p.AsnPro_004324.2:p.Val600Glu. Such rows are
repaired where the accession can be read back; a transcript that clashes with the one
already stored is left in place (the description stays as it was). One-letter p. forms
were already stored three-letter: nothing to do for them.

Revision ID: g3cases05
Revises: g2cases04
Create Date: 2026-12-01
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "g3cases05"
down_revision = "g2cases04"
branch_labels = None
depends_on = None

_THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Glu": "E", "Gln": "Q", "Gly": "G", "His": "H",
    "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W",
    "Tyr": "Y", "Val": "V", "Ter": "*", "Sec": "U", "Pyl": "O",
}
_TRANSCRIPT = r"(?:N[MR]|X[MR])_\d+(?:\.\d+)?|ENST\d{11}(?:\.\d+)?|LRG_\d+t\d+"
_PROTEIN = r"(?:NP|XP)_\d+(?:\.\d+)?|ENSP\d{11}(?:\.\d+)?|LRG_\d+p\d+"
# c.NM_004333.6:c.1799T>A, NM_004333.6:c.1799T>A, c.NM_004985.5(KRAS):c.35G>A
_C_WITH_REFERENCE = re.compile(rf"(?:[cn]\.)?({_TRANSCRIPT})(?:\([A-Za-z0-9-]+\))?:([cn]\..+)")
# p.NP_004324.2:p.Val600Glu (kept as pasted), p.AsnPro_004324.2:p.Val600Glu (converted letter by letter)
_P_WITH_REFERENCE = re.compile(rf"p\.({_PROTEIN}):(p\..+)")
_P_CONVERTED = re.compile(r"p\.((?:[A-Z][a-z]{2})+)(_?\d+(?:\.\d+)?):(p\..+)")


def _one_letter(run: str) -> str | None:
    """"AsnPro" -> "NP"; None when a piece is no amino acid code."""
    letters = [_THREE_TO_ONE.get(run[i:i + 3]) for i in range(0, len(run), 3)]
    return None if None in letters else "".join(letters)


def split_coding(value: str | None) -> tuple[str, str] | None:
    """(transcript, description) of a coding description stored with its reference."""
    match = _C_WITH_REFERENCE.fullmatch((value or "").strip())
    return (match[1], match[2]) if match else None


def split_protein(value: str | None) -> tuple[str, str] | None:
    """(protein accession, description) of a protein description stored with its reference."""
    text = (value or "").strip()
    if match := _P_WITH_REFERENCE.fullmatch(text):
        return match[1], match[2]
    if (match := _P_CONVERTED.fullmatch(text)) and (letters := _one_letter(match[1])):
        accession = letters + match[2]
        if re.fullmatch(_PROTEIN, accession):
            return accession, match[3]
    return None


def upgrade():
    conn = op.get_bind()
    biomarkers = sa.table("biomarkers", sa.column("id"), sa.column("transcript"), sa.column("hgvs_c"),
                          sa.column("hgvs_p"), sa.column("protein_reference"))
    rows = conn.execute(sa.select(biomarkers).where(sa.or_(biomarkers.c.hgvs_c.like("%:%"),
                                                           biomarkers.c.hgvs_p.like("%:%")))).all()
    for row in rows:
        changes = {}
        coding = split_coding(row.hgvs_c)
        if coding and (row.transcript in (None, "", coding[0])):
            changes.update(transcript=coding[0], hgvs_c=coding[1])
        protein = split_protein(row.hgvs_p)
        if protein and (row.protein_reference in (None, "", protein[0])):
            changes.update(protein_reference=protein[0], hgvs_p=protein[1])
        if changes:
            conn.execute(biomarkers.update().where(biomarkers.c.id == row.id).values(**changes))


def downgrade():
    """The repaired descriptions stay repaired: putting the accession back would mangle them again."""
