"""A sequence variant's descriptions as a clinician pastes them from a report, checked
together: the HGVS changes normalised (``mtb.cases.hgvs``), the reference typed in front
of a change split off into its own field, a gene typed in front held against the row's
gene, a protein change given with the coding change kept.

    check_descriptions({"hgvs_c": "NM_004333.6:c.1799T>A", "hgvs_p": "NP_004324.2:p.V600E"}, gene="BRAF")
    -> values: transcript NM_004333.6, hgvs_c c.1799T>A, protein_reference NP_004324.2, hgvs_p p.Val600Glu

The case form's save and its live hint (``/cases/check``) both call ``check_descriptions``,
so the hint shows exactly what a save stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.hgvs import Normalised, normalise_c, normalise_g, normalise_p, normalise_transcript
from mtb.cases.hgvs_grammar import dna_regions
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.text import clean_text

#: The fields of a variant row read here, as the form names them.
DESCRIPTION_FIELDS = ("transcript", "hgvs_c", "hgvs_p", "hgvs_g")

#: Accessions of proteins: they go with the p. change, never in the transcript field.
_PROTEIN_ACCESSION = re.compile(r"(NP_|XP_|ENSP|LRG_\d+p)", re.I)
_VERSIONED = re.compile(r".*\.\d+")
#: TERT's promoter changes as reports nickname them: C228T is c.-124C>T, C250T is c.-146C>T.
_TERT_NICKNAME = re.compile(r"(?:TERT\s*:?\s*)?(?:p\.\s*)?\(?(?:C|Cys)(?:228|250)(?:T|Thr)\)?", re.I)
_TERT_AS_PROTEIN = ("p.Cys228Thr", "p.Cys250Thr")
#: The protein changes a change outside the coding sequence may have: unknown, none, no protein.
_NO_AMINO_ACID = re.compile(r"p\.(?:\(?[?=]\)?|\(?0\??\)?)")
#: Before the start codon, a new upstream start gives an N-terminal extension: p.Met1ext-5.
_N_EXTENSION = re.compile(r"p\.\(?Met1[A-Za-z]*ext-\d+\)?")


@dataclass
class Descriptions:
    """What a save stores (``values``), and what to say next to each field."""

    values: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(
        ("transcript", "hgvs_c", "hgvs_p", "hgvs_g", "protein_reference")))
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: What was stored, by field, when it is not what was typed ("Stored as c.2235_2249del.").
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: The protein change given with the coding change ("c.1799T>A (p.V600E)"), normalised.
    protein_with_c: str | None = None

    def _add(self, where: dict, name: str, message: str) -> None:
        where.setdefault(name, []).append(message)

    def error(self, name: str, message: str) -> None:
        self._add(self.errors, name, message)

    def warn(self, name: str, message: str) -> None:
        self._add(self.warnings, name, message)

    def note(self, name: str, message: str) -> None:
        self._add(self.notes, name, message)


def _same_gene(prefix: str, gene: str | None) -> bool:
    """The gene typed before a colon is the row's gene (or an alias of it)."""
    if not gene:
        return False
    if prefix.upper() == gene.upper():
        return True
    found = check_symbol(prefix)
    return found.status is not GeneStatus.UNKNOWN and gene.upper() in (s.upper() for s in found.approved)


def _check_transcript(typed: str | None, result: Descriptions) -> str | None:
    if not typed:
        return None
    try:
        transcript = normalise_transcript(typed)
    except InvalidInput as error:
        result.error("transcript", error.message)
        return None
    if _PROTEIN_ACCESSION.match(transcript):
        result.error("transcript", _("%(reference)s is a protein reference; give the transcript the c. change is "
                                     "numbered on, e.g. NM_004333.6 (a protein reference may stand before the p. "
                                     "change, e.g. NP_004324.2:p.Val600Glu).", reference=transcript))
        return None
    return transcript


def _unversioned_warning(transcript: str, result: Descriptions) -> None:
    if not _VERSIONED.fullmatch(transcript):
        result.warn("transcript", _("%(transcript)s has no version: c. numbering can differ between versions. Give "
                                    "the version printed in the report, e.g. NM_004333.6.", transcript=transcript))


def _gene_prefix(name: str, found: Normalised, gene: str | None, result: Descriptions) -> bool:
    if found.gene is None or _same_gene(found.gene, gene):
        return True
    if gene:
        result.error(name, _("This change is given for %(given)s but the row's gene is %(gene)s; a gene may stand "
                             "before the change only when it is the row's gene, e.g. %(gene)s:%(example)s.",
                             given=found.gene, gene=gene, example=found.value))
    else:
        result.error(name, _("This change is given for %(given)s: enter %(given)s as the row's gene, or give the "
                             "change alone, e.g. %(example)s.", given=found.gene, example=found.value))
    return False


def _stored_note(name: str, found: Normalised, result: Descriptions) -> None:
    if found.changed:
        result.note(name, found.note or _("Stored as %(value)s.", value=found.value))


def check_descriptions(typed: dict, gene: str | None) -> Descriptions:
    """Check a variant row's transcript and HGVS fields together; ``gene`` is the row's
    approved symbol (or what was typed there). Never raises for bad input: every
    problem is in ``errors``, by field name (``transcript``, ``hgvs_c``...)."""
    result = Descriptions()
    text = {name: clean_text(typed.get(name)) for name in DESCRIPTION_FIELDS}
    transcript = _check_transcript(text["transcript"], result)
    transcript_refused = bool(text["transcript"]) and transcript is None
    protein_with_c = None

    if text["hgvs_c"]:
        try:
            found = normalise_c(text["hgvs_c"])
        except InvalidInput as error:
            tert = _is_tert(gene) and _TERT_NICKNAME.fullmatch(re.sub(r"\s+", " ", text["hgvs_c"]))
            result.error("hgvs_c", _tert_nickname() if tert else error.message)
        else:
            if found.value[:2] in ("g.", "m."):
                result.error("hgvs_c", _("“%(value)s” is a genomic change; give it as the genomic description, "
                                         "and here the coding change, e.g. c.1799T>A.", value=found.value))
            elif _gene_prefix("hgvs_c", found, gene, result):
                result.values["hgvs_c"] = found.value
                _stored_note("hgvs_c", found, result)
                result.protein_with_c = protein_with_c = found.protein
                if found.reference:
                    if transcript is not None and transcript != found.reference:
                        result.error("transcript", _(
                            "The coding change is given on %(given)s but this field says %(transcript)s; keep one "
                            "transcript, e.g. %(given)s here and %(value)s as the change.",
                            given=found.reference, transcript=transcript, value=found.value))
                    elif not transcript_refused:
                        if transcript is None:
                            result.note("transcript", _("%(reference)s, taken from the coding change.",
                                                        reference=found.reference))
                        transcript = found.reference
    if transcript is not None:
        result.values["transcript"] = transcript
        _unversioned_warning(transcript, result)

    if text["hgvs_p"]:
        try:
            found = normalise_p(text["hgvs_p"])
        except InvalidInput as error:
            result.error("hgvs_p", error.message)
        else:
            if _gene_prefix("hgvs_p", found, gene, result):
                result.values["hgvs_p"] = found.value
                result.values["protein_reference"] = found.reference
                _stored_note("hgvs_p", found, result)
    if protein_with_c:
        stored = result.values["hgvs_p"]
        if not text["hgvs_p"]:
            result.values["hgvs_p"] = protein_with_c
            result.note("hgvs_p", _("Stored as %(value)s, the protein change given with the coding change.",
                                    value=protein_with_c))
        elif stored is not None and _bare(stored) != _bare(protein_with_c):
            result.error("hgvs_p", _("The coding change was given with %(with_c)s but this field says %(value)s; "
                                     "keep one protein change, e.g. %(with_c)s.", with_c=protein_with_c, value=stored))
    _protein_against_coding(result, gene, "hgvs_p" if text["hgvs_p"] else "hgvs_c")

    if text["hgvs_g"]:
        try:
            found = normalise_g(text["hgvs_g"])
        except InvalidInput as error:
            result.error("hgvs_g", error.message)
        else:
            if _gene_prefix("hgvs_g", found, gene, result):
                # A genomic change is printed with its chromosome's accession (which carries the build).
                value = f"{found.reference}:{found.value}" if found.reference else found.value
                result.values["hgvs_g"] = value
                if found.changed:
                    result.note("hgvs_g", _("Stored as %(value)s.", value=value))
    return result


def _is_tert(gene: str | None) -> bool:
    return (gene or "").upper() == "TERT"


def _tert_nickname() -> str:
    return _("TERT C228T is the promoter change c.-124C>T (C250T is c.-146C>T): write it in the c. field and "
             "leave p. empty.")


def _protein_against_coding(result: Descriptions, gene: str | None, where: str) -> None:
    """The protein change against the coding change of the same finding, refused at
    ``where`` (the field it was typed in): TERT's promoter nicknames (C228T) are no
    protein change, and a change before the start codon (c.-124C>T) or after the stop
    (c.*32A>G) changes no amino acid."""
    protein, coding = result.values["hgvs_p"], result.values["hgvs_c"]
    if protein is None or result.errors.get("hgvs_p"):
        return
    if _is_tert(gene) and _bare(protein) in _TERT_AS_PROTEIN:
        result.error(where, _tert_nickname())
        return
    if not coding or not coding.startswith("c.") or _NO_AMINO_ACID.fullmatch(protein):
        return
    regions = dna_regions(coding[2:])
    if regions == {2} or regions == {0} and not _N_EXTENSION.fullmatch(protein):
        result.error(where, _("%(coding)s lies outside the coding sequence (before the start codon or after the "
                              "stop codon), so it changes no amino acid: leave the protein change empty, or write "
                              "p.? (unknown) or p.= (no change) instead of %(protein)s.",
                              coding=coding, protein=protein))


def _bare(protein: str) -> str:
    """p.(Val600Glu) and p.Val600Glu name the same change (predicted or not)."""
    return protein.replace("(", "").replace(")", "")


def live_hint(name: str, result: Descriptions) -> dict:
    """The JSON the form's live hint shows for one field: the stored form, or the problem."""
    if result.errors.get(name):
        return {"valid": False, "message": " ".join(result.errors[name])}
    stored = result.values.get(name)
    if stored is None:
        return {"valid": True, "message": ""}
    parts = [_("Stored as %(value)s.", value=stored)]
    if name == "hgvs_c" and result.values.get("transcript"):
        parts.append(_("Transcript: %(transcript)s.", transcript=result.values["transcript"]))
        parts.extend(result.errors.get("transcript", []))
    if name == "hgvs_c" and result.protein_with_c:
        parts.append(_("Protein change given with it: %(value)s.", value=result.protein_with_c))
    if name == "hgvs_p" and result.values.get("protein_reference"):
        parts.append(_("Protein reference: %(reference)s.", reference=result.values["protein_reference"]))
    parts.extend(result.warnings.get(name, []))
    return {"valid": True, "value": stored, "message": " ".join(parts)}
