"""Check and normalise HGVS variant descriptions as clinicians paste them from NGS
reports, VEP, Mutalyzer, ClinVar, COSMIC or OncoKB (HGVS nomenclature v21).

    normalise_c("NM_004333.6(BRAF):c.1799T>A (p.V600E)")
    -> Normalised(value="c.1799T>A", reference="NM_004333.6", gene="BRAF", changed=True,
                  note="Stored as c.1799T>A; the protein change p.Val600Glu was given with it.",
                  protein="p.Val600Glu")

Normal forms stored:
- DNA: bases upper case, keywords lower case; deleted/duplicated bases are not
  written (c.2235_2249delGGAATTAAGAGAAGC and c.2236_2250del15 -> c.2235_2249del,
  only when they fit the range); c.2155_2156delGCinsTT -> c.2155_2156delinsTT;
  c.100delAinsT -> c.100A>T; ins(10) -> insN[10]; c.[76A>C] -> c.76A>C.
- Protein: three-letter codes, stop written Ter (p.R213* / p.Arg213Stop -> p.Arg213Ter;
  p.R97Pfs*23 -> p.Arg97ProfsTer23), any residue Xaa (p.G719Xaa); a bare X, a stop in
  old reports and any residue in others, is refused asking which; parentheses (predicted
  consequence) are kept as typed, never added or removed; listed deleted residues
  are dropped (p.E746_A750delELREA -> p.Glu746_Ala750del); p.? p.(?) p.0 p.= kept.
- The reference is split off and returned apart; it never goes through the
  one-letter conversion.
- A dash other than "-" between two positions is refused when it may be a range
  (c.2235–2249del: the range c.2235_2249del or the intronic c.2235-2249del?); a minus
  sign that can only be one is read as "-" (c.−124C>T, c.100−2A>G).
- "c.2573T>G NP_005219.2:p.Leu858Arg" (VEP) is read like "c.2573T>G (p.L858R)".

Every refusal is ``InvalidInput(None, message)``; the message says what is wrong
and shows an example ("e.g."). The caller names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.hgvs_grammar import NoParse, dna_body, protein_body, refuse
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _


@dataclass(frozen=True)
class Normalised:
    value: str             # the stored normal form, e.g. "c.2235_2249del", "p.Val600Glu"
    reference: str | None  # accession split off the front ("NM_004333.6"), else None
    gene: str | None       # gene given in the prefix: "BRAF:p.V600E" -> "BRAF"
    changed: bool          # value differs from what was typed (prefix and whitespace aside)
    note: str | None       # human sentence when normalised
    protein: str | None = None  # "c.1799T>A (p.V600E)": the protein part, normalised


# --- References -------------------------------------------------------------

_REFSEQ = re.compile(r"(N[MRPCGTW]|X[MRP])_?(\d+)(\.\d+)?", re.I)
_ENSEMBL = re.compile(r"(ENS[TGP])(\d{11})(\.\d+)?", re.I)
_LRG = re.compile(r"LRG_(\d+)(?:([tp])(\d+))?", re.I)
# What each kind of reference may carry. NC_ also holds m. (NC_012920.1).
_CARRIES = {"NM": "c", "XM": "c", "NR": "n", "XR": "n", "NP": "p", "XP": "p", "NC": "gm",
            "NG": "g", "NT": "g", "NW": "g", "ENST": "cn", "ENSG": "g", "ENSP": "p",
            "LRG": "g", "LRGt": "cn", "LRGp": "p"}
_GENE = re.compile(r"[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*|C\d+orf\d+")  # HGNC: BRAF, H3-3A, NKX2-1 (2+ characters)
_CHROMOSOME = re.compile(r"(?:chr)?(?:\d{1,2}|X|Y|MT?)", re.I)
# Prefix: one token, maybe with a gene or transcript in parentheses; no brackets, so that
# c.1_2ins[NC_000022.10:g.35788169_35788352] keeps its inner colon.
_PREFIX = re.compile(r"\s*([^\s:()\[\]]+(?:\([^():]*\))?)\s*:(?!:)\s*(.*)", re.S)
_SPACED_PREFIX = re.compile(r"\s*([^\s:()\[\]]+(?:\([^():]*\))?)\s+([cgnmp]\..*)", re.S | re.I)  # BRAF p.V600E
#: "BRAF V600E", as reports and letters write a finding: a gene, a space, a protein change
#: without its p. (one- or three-letter residue, then its position).
_GENE_THEN_CHANGE = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*)\s+(\(?(?:[A-Z]|[A-Z][a-z]{2})\d+[^\s]*)\s*", re.S)
_EXAMPLES = {"c": "NM_004333.6:c.1799T>A", "n": "NR_003051.3:n.71A>G", "g": "NC_000007.14:g.140753336A>T",
             "m": "NC_012920.1:m.3243A>G", "p": "NP_004324.2:p.Val600Glu"}


def _accession(text: str) -> tuple[str, str] | None:
    """(canonical accession, its kind) or None: "nm_004333.6" -> ("NM_004333.6", "NM")."""
    if m := _REFSEQ.fullmatch(text):
        return f"{m[1].upper()}_{m[2]}{m[3] or ''}", m[1].upper()
    if m := _ENSEMBL.fullmatch(text):
        return f"{m[1].upper()}{m[2]}{m[3] or ''}", m[1].upper()
    if m := _LRG.fullmatch(text):
        return f"LRG_{m[1]}" + (f"{m[2].lower()}{m[3]}" if m[2] else ""), "LRG" + (m[2] or "").lower()
    return None


def _kind_of(reference: str) -> str:
    return _accession(reference)[1]


def _unknown_prefix(found: str) -> InvalidInput:
    if _CHROMOSOME.fullmatch(found):
        return refuse(_("“%(found)s” before the colon is a chromosome name, not a reference sequence; give the accession, e.g. NC_000007.14:g.140753336A>T, or just the change, e.g. c.1799T>A.", found=found))
    if "_" in found or "." in found:
        return refuse(_("“%(found)s” before the colon is not a valid reference sequence; give e.g. NM_004333.6:c.1799T>A, ENST00000288602.11:c.1799T>A or just c.1799T>A.", found=found))
    return refuse(_("“%(found)s” before the colon is neither a reference sequence nor a gene symbol; give e.g. NM_004333.6:c.1799T>A, BRAF:p.V600E or just the change.", found=found))


def _gene_symbol(text: str) -> str | None:
    """The gene a prefix names, or None. An upper-case token shaped like a symbol is one
    (the row's gene is held against it later); one typed in lower or mixed case ("egfr")
    only when HGNC knows it, so that a word ("hello") is not read as a gene. Given in upper
    case, or the approved spelling (C9orf72)."""
    if _GENE.fullmatch(text):
        return text
    if not _GENE.fullmatch(text.upper()):
        return None
    found = check_symbol(text)
    if found.status is GeneStatus.APPROVED:
        return found.approved[0]
    return text.upper() if found.status is GeneStatus.ALIAS else None


def _prefix(found: str) -> tuple[str | None, str | None]:
    """The text before the colon -> (reference, gene)."""
    outer, _paren, inner = found.partition("(")
    inner = inner[:-1] if _paren else None
    if accession := _accession(outer):
        if inner is None:
            return accession[0], None
        if nested := _accession(inner):  # NC_000007.14(NM_004333.6):c.…: the c. is on the transcript
            return nested[0], None
        if gene := _gene_symbol(inner):  # NM_004985.5(KRAS):c.35G>A
            return accession[0], gene
        raise _unknown_prefix(found)
    if inner is None and not _CHROMOSOME.fullmatch(found) and not re.match(r"ENS[TGP]\d|LRG\d", found, re.I) \
            and (gene := _gene_symbol(found)):
        return None, gene               # BRAF:p.V600E, egfr:c.2573T>G
    raise _unknown_prefix(found)


def split_reference(text: str) -> tuple[str | None, str | None, str]:
    """"NM_004985.5(KRAS):c.35G>A" -> ("NM_004985.5", "KRAS", "c.35G>A").

    Also "BRAF p.V600E" (gene, a space, a prefixed change). Raises InvalidInput
    when what stands before the colon is neither an accession nor a gene symbol.
    """
    text = _clean(text)
    m = _PREFIX.fullmatch(text)
    if m:
        return (*_prefix(m[1]), m[2].strip())
    m = _SPACED_PREFIX.fullmatch(text)
    if m and (_accession(m[1].split("(")[0]) or _gene_symbol(m[1])):
        try:
            return (*_prefix(m[1]), m[2].strip())
        except InvalidInput:
            pass
    m = _GENE_THEN_CHANGE.fullmatch(text)
    if m and not _accession(m[1]) and (gene := _gene_symbol(m[1])):
        return None, gene, m[2].strip()
    return None, None, text


def normalise_transcript(text: str) -> str:
    """NM_/NR_/XM_/XR_/ENST (version advised), NP_/XP_/ENSP, LRG_123t1 / LRG_123p1."""
    value = re.sub(r"\s+", "", _clean(text))
    value = re.sub(r"\((?:[A-Z][A-Za-z0-9-]*)\)$", "", value)  # NM_004333.6(BRAF)
    if ":" in value:
        raise refuse(_("Give only the transcript here, e.g. NM_004333.6; the change goes in its own field."))
    accession = _accession(value)
    if accession is None:
        raise refuse(_("Give a RefSeq or Ensembl transcript, e.g. NM_004333.6 or ENST00000288602."))
    if "g" in _CARRIES[accession[1]]:
        raise refuse(_("%(reference)s is a genomic reference; give the transcript, e.g. NM_004333.6.", reference=accession[0]))
    return accession[0]


# --- Descriptions -------------------------------------------------------------

_UNICODE = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2011": "-", "\u2010": "-",
                          "\uff1e": ">", "\u2192": ">", "\u2217": "*", "\uff0a": "*", "\uff1a": ":",
                          "\uff08": "(", "\uff09": ")", "\u200b": None, "\ufeff": None, "\u00ad": None})


def _clean(text: str | None) -> str:
    """Undo what copying from PDFs and web pages does: en dashes, &gt;, VEP's %3D."""
    text = (text or "").translate(_UNICODE).replace("&gt;", ">").replace("&GT;", ">")
    return re.sub("%3d", "=", text, flags=re.I).strip()


# An exon or intron written after a change ("c.2573T>G (p.L858R) exon 21"): no HGVS word.
_LOCATION_WORD = re.compile(r"(?<![a-z])(?:exon|intron)s?\s*\d", re.I)
_DNA_EXAMPLES = {"c": "c.2573T>G", "g": "g.140753336A>T"}

_PROTEIN_PART = re.compile(r"(.+?)(?:\((?P<a>(?:[^():]+(?:\([^()]*\))?:)?[pP]\..*)\)|[;,/|]?(?P<b>(?:[^():;,/|]+:)?[pP]\..*))")
# VEP and Mutalyzer give the pair space separated: "c.2573T>G NP_005219.2:p.Leu858Arg".
_SPACED_PROTEIN = re.compile(r"(.+?)\s+(?P<b>[^\s():;,/|]+:\s*[pP]\..*)", re.S)

#: Report wording for a whole exon ("exon 19 deletion", "ex19del", "MET exon 14 skipping"):
#: no HGVS change, but it says where it goes.
_EXON_WORDING = re.compile(r"(?:[A-Za-z][A-Za-z0-9-]*\s*)?ex(?:on)?\s*(?P<exon>\d+)(?:\s*[A-Za-z][A-Za-z\s-]*)?", re.I)

#: A dash between two positions ("c.2235–2249del"). En and em dashes are range dashes in
#: print: always asked about. A minus sign or a typographic hyphen is read as "-" (c.100−2A>G)
#: unless the text also reads as a range (c.2235−2249del).
_RANGE_DASHES = "\u2013\u2014"
_DASH_BETWEEN = re.compile(r"(?:^|(?<=[.:(_\s]))(?P<a>[-*\u2212\u2013\u2014]?\d+(?:[-+\u2212\u2010\u2011]\d+)?)"
                           r"\s*(?P<dash>[\u2013\u2014\u2212\u2010\u2011])\s*(?P<b>[-*\u2212\u2013\u2014]?\d+)")

_KINDS = {"c": "cngm", "g": "gm", "p": "p"}
_SYNTAX = {
    "c": lambda v: _("“%(value)s” is not valid HGVS DNA syntax; e.g. c.2573T>G, c.3082+1G>T, c.2235_2249del, c.2300_2301insGCA, c.-124C>T.", value=v),
    "g": lambda v: _("“%(value)s” is not valid HGVS genomic syntax; e.g. g.140753336A>T or NC_000005.10:g.1295228G>A.", value=v),
    "p": lambda v: _("“%(value)s” is not a valid HGVS protein change; e.g. p.Val600Glu, V600E, p.(Leu858Arg), p.Glu746_Ala750del.", value=v),
}


#: Far above any real description (the columns hold 200); keeps the regexes fast.
MAX_LENGTH = 500


def _normalise(text: str, field: str, dashes: bool = True) -> Normalised:
    if len(text or "") > MAX_LENGTH:
        raise refuse(_("This is too long for one HGVS description (over %(max)s characters); give one change, e.g. c.2573T>G or p.Val600Glu.", max=MAX_LENGTH))
    if dashes and field != "p":
        _dash_between_positions(text, field)
    reference, gene, rest = split_reference(text)
    typed = re.sub(r"\s+", "", rest)
    if not typed:
        raise refuse({"c": _("Enter the coding DNA change, e.g. c.2573T>G."),
                      "g": _("Enter the genomic change, e.g. g.140753336A>T."),
                      "p": _("Enter the protein change, e.g. p.Val600Glu.")}[field])
    if m := _EXON_WORDING.fullmatch(rest.strip()):
        exon = f"exon {int(m['exon'])}"
        raise refuse(_("“%(value)s” is not an HGVS change: put “%(exon)s” in the Exon / intron field and the change "
                       "in c./p. if the report gives it (e.g. c.2235_2249del, p.Glu746_Ala750del), or record it as an "
                       "Other finding.", value=rest.strip(), exon=exon))
    body, protein = typed, None
    if field != "p" and _LOCATION_WORD.search(rest):
        raise _more_than_dna(rest.strip(), field)
    if field != "p" and (given := _protein_given(rest, typed, field)):  # c.1799T>A (p.V600E)
        body, protein = given
    elif field == "p" and re.search(r"[\s(;,/|][cgnCGN]\.", rest):  # p.V600E (c.1799T>A)
        raise refuse(_("Give only the protein change here, e.g. p.Val600Glu; the coding change goes in its own field."))
    kind = _kind(body, reference, field)
    shown = rest.strip()  # messages quote the text as typed
    if kind is None:
        raise _wrong_field(shown, field)
    if reference and kind not in _CARRIES[_kind_of(reference)]:
        raise refuse(_("%(reference)s is %(what)s and cannot carry a %(kind)s. description; e.g. %(example)s.",
                       reference=reference, what=_what(reference), kind=kind, example=_EXAMPLES[kind]))
    if re.match(r"[a-zA-Z]\.", body):
        body = body[2:]
    try:
        value = f"{kind}." + (protein_body(body) if kind == "p" else dna_body(kind, body))
    except NoParse:
        raise _not_hgvs(shown, field, _amino_acid_hint(body) if kind == "p" else None) from None
    changed = value != typed
    note = None
    if changed:
        note = _("Stored as %(value)s.", value=value) if protein is None else \
            _("Stored as %(value)s; the protein change %(protein)s was given with it.", value=value, protein=protein)
    return Normalised(value, reference, gene, changed, note, protein)


def _protein_given(rest: str, typed: str, field: str) -> tuple[str, str] | None:
    """(the DNA change, the protein change normalised) when a DNA field also holds its
    protein change: "c.1799T>A (p.V600E)", "c.2369C>T;p.T790M", and VEP's space separated
    "c.2573T>G NP_005219.2:p.Leu858Arg"; None when it holds none."""
    found = False
    for m in (_PROTEIN_PART.fullmatch(typed), _SPACED_PROTEIN.fullmatch(rest.strip())):
        if m:
            found = True
            try:
                return re.sub(r"\s+", "", m[1]), normalise_p(m.groupdict().get("a") or m["b"]).value
            except InvalidInput:
                continue
    if found:
        raise _more_than_dna(rest.strip(), field)
    return None


def _dash_between_positions(text: str, field: str) -> None:
    """Refuse a dash other than "-" between two positions when it may mean a range:
    "c.2235–2249del" is the range c.2235_2249del or the intronic position c.2235-2249."""
    for m in _DASH_BETWEEN.finditer(text):
        readings = []
        for dash in "_-":  # the range, the intronic offset
            try:
                readings.append(_normalise(text[:m.end("a")] + dash + text[m.start("b"):], field, False).value)
            except InvalidInput:
                readings.append(None)
        ranged, offset = readings
        if m["dash"] not in _RANGE_DASHES and ranged is None:
            continue  # c.100−2A>G: only a minus reads
        a, b = m["a"].translate(_UNICODE), m["b"].translate(_UNICODE)
        kinds = re.findall(r"(?<![A-Za-z])([cgnmCGNM])\.", text[:m.start()])
        kind = kinds[-1].lower() if kinds else field
        positions = m[0].strip()
        if ranged and (kind in "gm" or offset is None):
            raise refuse(_("A dash between two positions (%(positions)s): a range is written with an underscore, "
                           "e.g. %(range)s.", positions=positions, range=ranged))
        if offset and ranged is None:
            raise refuse(_("A dash between two positions (%(positions)s): a position in the intron is written with "
                           "a hyphen, e.g. %(offset)s.", positions=positions, offset=offset))
        ranged, offset = ranged or f"{kind}.{a}_{b}", offset or f"{kind}.{a}-{b}"
        raise refuse(_("A dash between two positions (%(positions)s): is it a range or a position in the intron? "
                       "Write it with an underscore for the range, e.g. %(range)s, or with a hyphen for a position "
                       "in the intron, e.g. %(offset)s.", positions=positions, range=ranged, offset=offset))


def _kind(body: str, reference: str | None, field: str) -> str | None:
    """The description type: from its prefix, else the only one the reference or
    field allows ("2573T>G" in the c. field is c.2573T>G)."""
    m = re.match(r"([a-zA-Z])\.", body)
    if m:
        kind = m[1].lower()
        return kind if kind in _KINDS[field] else None
    fits = [k for k in _KINDS[field] if reference and k in _CARRIES[_kind_of(reference)]]
    return fits[0] if fits else _KINDS[field][0]


def _what(reference: str) -> str:
    carries = _CARRIES[_kind_of(reference)]
    if carries == "p":
        return _("a protein reference")
    if "g" in carries:
        return _("a genomic reference")
    return _("a non-coding transcript") if carries == "n" else _("a transcript")


def _wrong_field(typed: str, field: str) -> InvalidInput:
    if field == "p":
        return refuse(_("“%(value)s” is not a protein change; give it as p., e.g. p.Val600Glu or V600E.", value=typed))
    if typed[:2].lower() == "p.":
        return refuse(_("“%(value)s” is a protein change; enter it as the protein change, and here the DNA change, e.g. c.1799T>A.", value=typed))
    if field == "g":
        return refuse(_("“%(value)s” is not a genomic change; give it as g., e.g. g.140753336A>T.", value=typed))
    return refuse(_("“%(value)s” is not a DNA change; give it as c. (or n., g.), e.g. c.2573T>G.", value=typed))


def _more_than_dna(typed: str, field: str) -> InvalidInput:
    """A DNA field holding more than its change (a protein change that does not read as one,
    an exon): quoted as typed, with where each part goes."""
    return refuse(_("“%(value)s” is more than the DNA change: give only the DNA change here, e.g. %(example)s; the "
                    "protein change and the exon go in their own fields.", value=typed, example=_DNA_EXAMPLES[field]))


def _not_hgvs(typed: str, field: str, hint: str | None) -> InvalidInput:
    if hint:
        return refuse(hint)
    if field == "c" and not re.match(r"[a-zA-Z]\.", typed):
        try:  # "V600E" typed in the c. field
            normalise_p(typed)
            return refuse(_("“%(value)s” is a protein change; enter it as the protein change, and here the DNA change, e.g. c.1799T>A.", value=typed))
        except InvalidInput:
            pass
    return refuse(_SYNTAX[field](typed))


def _amino_acid_hint(body: str) -> str | None:
    """Name an ambiguous or unknown amino acid code: B (Asx), Z (Glx), J (Xle)."""
    m = re.search(r"Asx|Glx|Xle|(?<![A-Za-z])[BJZ](?![a-z])|(?<=\d)[BJZ]|[BJZ](?=\d)", body)
    if m:
        return _("“%(code)s” is not a single amino acid (ambiguous or unknown code); use one of the 20 amino acids or Ter, e.g. p.Val600Glu or p.V600E.", code=m[0])
    return None


def normalise_c(text: str) -> Normalised:
    """Coding DNA (c.), also non-coding (n.), genomic (g.) and mitochondrial (m.)."""
    return _normalise(text, "c")


def normalise_g(text: str) -> Normalised:
    """Genomic (g.) or mitochondrial (m.) DNA."""
    return _normalise(text, "g")


def normalise_p(text: str) -> Normalised:
    """Protein (p.), three- or one-letter; stored three-letter with Ter."""
    return _normalise(text, "p")
