"""Alteration criteria of a trial ("BRAF p.Val600Glu", "BRAF p.Val600", "EGFR exon 20",
"EGFR exon 20 insertion", "MET exon 14 skipping", "ALK fusion", "MET amplification",
"KRAS mutation", a gene alone) judged on a case's findings: met by a finding that is the
alteration, failed when the gene was tested and the alteration is not among the findings,
unknown when nothing was sequenced. A finding that may be the alteration but is to check
(of uncertain significance, a fusion in the unusual order) is unknown, never met."""

from __future__ import annotations

import re
from collections.abc import Callable

from mtb.cases.findings import BiomarkerKind, Classification
from mtb.cases.vocab import USUAL_3P_PARTNERS
from mtb.i18n import gettext as _
from mtb.trials.facts import FAILED, MET, UNKNOWN, CaseFacts, Criterion, Finding

#: Classifications that never satisfy an alteration criterion.
BENIGN = frozenset({Classification.TIER_IV, Classification.CLASS_1, Classification.CLASS_2})
#: Variants of uncertain significance: the lab does not call them an alteration, so a
#: criterion they would meet is at most to check, never met.
UNCERTAIN = frozenset({Classification.TIER_III, Classification.CLASS_3})
#: The lab holds the change pathogenic or actionable.
PATHOGENIC = frozenset({Classification.TIER_I, Classification.TIER_II, Classification.CLASS_4,
                        Classification.CLASS_5})
#: No amino acid changed: p.=, p.Val600=, and so with the parentheses of a prediction.
_SYNONYMOUS = re.compile(r"p\.(?:[A-Z][a-z]{2}\d+)?=")
#: An exon-level criterion as stored: "exon 20 insertion", "exon 19 deletion", "exon 14 skipping".
EXON_CHANGE = re.compile(r"exon (\d{1,3}) (insertion|deletion|skipping)")
_RESIDUE = r"[A-Z][a-z]{2}"
#: An in-frame change of residues: p.Ala767_Val769dup, p.Asp770_Asn771insSerValAsp,
#: p.Glu746_Ala750del, p.Leu747_Pro753delinsSer (parentheses removed first).
_PROTEIN_INDEL = re.compile(rf"p\.{_RESIDUE}(\d+)(?:_{_RESIDUE}(\d+))?(delins|del|dup|ins)((?:{_RESIDUE})*)")
#: The same in the coding sequence, between exonic positions: c.2235_2249del, c.2300_2308dup.
_CODING_INDEL = re.compile(r"c\.(\d+)(?:_(\d+))?(delins|del|dup|ins)([ACGT]*)")
_NEGATED = re.compile(r"\b(?:no|not|without|negative|absent)\b")
#: The positions of a coding change, each maybe intronic: c.3082+1G>T, c.2942-18_2942-3del.
_CODING_POSITIONS = re.compile(r"c\.(\d+)([+-]\d+)?(?:_(\d+)([+-]\d+)?)?(?=[A-Za-z])")


def alteration_text(alteration: dict) -> str:
    gene, kind, change = alteration.get("gene", ""), alteration.get("kind") or "any", alteration.get("change") or ""
    if kind == "cnv":
        return f"{gene} {_('amplification') if change in ('', 'amplification') else change}"
    if kind == "fusion":
        words = _("fusion")
    elif exon_change := EXON_CHANGE.fullmatch(change):
        words = _exon_change_words(int(exon_change[1]), exon_change[2])
    elif kind == "variant":
        words = change or _("mutation")
    elif kind == "any":
        words = change or _("alteration")
    else:
        words = change
    return f"{gene} {words}".strip()


def _exon_change_words(exon: int, what: str) -> str:
    if what == "insertion":
        return _("exon %(n)s insertion", n=exon)
    if what == "deletion":
        return _("exon %(n)s deletion", n=exon)
    return _("exon %(n)s skipping", n=exon)


def protein_key(change: str | None) -> str:
    """A protein change as criteria and findings are compared, the same on both sides:
    without the parentheses of a predicted consequence ("p.(Gly12Cys)" is "p.Gly12Cys")."""
    return (change or "").replace("(", "").replace(")", "")


def synonymous_change(change: str | None) -> bool:
    """"p.=", "p.Val600=", "p.(Val600=)": no amino acid changed."""
    return _SYNONYMOUS.fullmatch(protein_key(change)) is not None


def is_synonymous(finding: Finding) -> bool:
    return finding.kind is BiomarkerKind.VARIANT and synonymous_change(finding.hgvs_p)


def _gene_matches(finding: Finding, gene: str) -> bool:
    return gene.upper() in {(finding.gene or "").upper(), (finding.gene_3p or "").upper()}


def _change_matches(finding: Finding, alteration: dict) -> bool:
    change = (alteration.get("change") or "").strip()
    kind = alteration.get("kind") or "any"
    if kind == "fusion":
        return finding.kind is BiomarkerKind.FUSION
    if kind == "cnv":
        if finding.kind is not BiomarkerKind.CNV:
            return False
        return not change or finding.cnv_type == change
    if kind == "variant" and finding.kind is not BiomarkerKind.VARIANT:
        return False
    if kind == "any" and finding.kind not in (BiomarkerKind.VARIANT, BiomarkerKind.CNV, BiomarkerKind.FUSION):
        return False
    if not change:
        return True
    if change.lower().startswith("exon") or change.lower().startswith("intron"):
        return (finding.exon or "").lower() == change.lower()
    if change.startswith("c."):
        return (finding.hgvs_c or "") == change
    protein, change = protein_key(finding.hgvs_p), protein_key(change)
    # "p.Val600" matches every change at codon 600 (V600E, V600K); "p.Val600Glu" that change only.
    return protein == change or (re.fullmatch(r"p\.[A-Z][a-z]{2}\d+", change) is not None
                                 and re.match(re.escape(change) + r"(?!\d)", protein) is not None)


def alteration_criterion(alteration: dict, facts: CaseFacts) -> Criterion:
    text = lambda: alteration_text(alteration)
    gene = (alteration.get("gene") or "").upper()
    found, doubts = [], {}
    for finding in facts.findings:
        fits = _fits(finding, alteration, gene) if _gene_matches(finding, gene) else False
        if fits is not False:
            found.append(finding)
            if fits is not True:
                doubts[finding] = fits
    # A synonymous change never meets a codon or protein criterion (KRAS G12 is no p.Gly12=);
    # a gene or exon criterion, only when the lab calls it pathogenic (a splice site broken).
    protein = (alteration.get("change") or "").startswith("p.")
    synonymous = [f for f in found if is_synonymous(f) and (protein or f.classification not in PATHOGENIC)]
    found = [f for f in found if f not in synonymous]
    actionable = [f for f in found if f.classification not in BENIGN | UNCERTAIN]
    sure = [f for f in actionable if f not in doubts]
    if sure:
        return Criterion(text, MET, lambda: _("found: %(what)s", what=_finding_words(sure[0])))
    if actionable:
        return Criterion(text, UNKNOWN, doubts[actionable[0]], proposes=True)
    uncertain = [f for f in found if f.classification in UNCERTAIN]
    if uncertain:
        return Criterion(text, UNKNOWN, lambda: _("%(what)s, classified %(grade)s: of uncertain significance",
                                                  what=_finding_words(uncertain[0]),
                                                  grade=uncertain[0].classification.short))
    if synonymous:
        return Criterion(text, FAILED, lambda: _("%(what)s is synonymous: no amino acid changed",
                                                 what=_finding_words(synonymous[0])))
    if found:
        # A benign or likely benign variant (Tier IV, Class 1-2) is no alteration a trial asks for.
        return Criterion(text, FAILED, lambda: _("%(what)s, classified %(grade)s", what=_finding_words(found[0]),
                                                 grade=found[0].classification.short))
    tested = [f for f in facts.findings if f.kind is not BiomarkerKind.NEGATIVE and f.gene]
    excluded = any(gene in (g.upper().split(" ")[0] for g in f.not_detected) for f in facts.findings)
    if excluded:
        return Criterion(text, FAILED, lambda: _("%(gene)s tested, not detected", gene=gene))
    if not tested and not any(f.not_detected for f in facts.findings):
        return Criterion(text, UNKNOWN, lambda: _("no sequencing result recorded"))
    return Criterion(text, FAILED, lambda: _("not among the case's findings"))


def _fits(finding: Finding, alteration: dict, gene: str) -> bool | Callable[[], str]:
    """Whether a finding of the gene is the alteration: True, False, or why it may be and is
    to check (worded when read)."""
    exon_change = EXON_CHANGE.fullmatch(alteration.get("change") or "")
    if exon_change:
        exon, what = int(exon_change[1]), exon_change[2]
        if what == "skipping":
            return _skipping(finding, gene, exon)
        if finding.kind is not BiomarkerKind.VARIANT or in_frame_change(finding) != what:
            return False
        if not finding.exon:  # the exon field is optional on the case form: typed by hand, often empty
            return _exon_unrecorded(finding, exon)
        return finding.exon.lower() == f"exon {exon}"
    if not _change_matches(finding, alteration):
        return False
    return _orientation(finding, gene) or True


def _orientation(finding: Finding, gene: str) -> Callable[[], str] | None:
    """Why a fusion of the gene is to check, or None.

    A kinase or transcription factor keeps its 3′ part in the fusions that drive (EML4::ALK):
    recorded at the 5′ end with another 3′ partner (ALK::EML4), the row is the reciprocal
    product without the kinase, or the partners were typed in the other order."""
    if (finding.kind is BiomarkerKind.FUSION and gene in USUAL_3P_PARTNERS and (finding.gene or "").upper() == gene
            and finding.gene_3p and finding.gene_3p.upper() != gene):
        return lambda: _("%(gene)s at the 5′ end: check the orientation against the report", gene=gene)
    return None


def in_frame_change(finding: Finding) -> str | None:
    """"insertion" or "deletion" for an in-frame change that adds or removes residues, by its
    net length (a deletion-insertion of one residue for seven is a deletion); else None (a
    substitution, a frameshift, an intronic change). The protein change decides when given,
    the coding change otherwise."""
    protein = protein_key(finding.hgvs_p)
    coding = not protein or protein == "p.?"
    m = _CODING_INDEL.fullmatch(finding.hgvs_c or "") if coding else _PROTEIN_INDEL.fullmatch(protein)
    if m is None or (not coding and "Ter" in m[4]):
        return None
    span = int(m[2] or m[1]) - int(m[1]) + 1  # residues or bases deleted or duplicated
    inserted = len(m[4]) if coding else len(m[4]) // 3
    net = {"del": -span, "dup": span, "ins": inserted, "delins": inserted - span}[m[3]]
    # A protein change is in frame as written; bases are, by threes.
    if net == 0 or (coding and net % 3):
        return None
    return "insertion" if net > 0 else "deletion"


def _skipping(finding: Finding, gene: str, exon: int) -> bool | Callable[[], str]:
    """Whether a finding of the gene makes the exon skipped (MET exon 14): a change of a
    splice site around the exon (the acceptor before it, in the intron before; the donor
    after it, in the intron after; or a deletion across either), or a fusion of the gene with
    itself joining the exons on each side. A change farther in the intron, a fusion without
    breakpoints, or a note that says so: to check."""
    if finding.kind is BiomarkerKind.FUSION:
        if (finding.gene or "").upper() != gene or (finding.gene_3p or "").upper() != gene:
            return False
        joined = ((finding.breakpoint_5p or "").lower(), (finding.breakpoint_3p or "").lower())
        if joined == (f"exon {exon - 1}", f"exon {exon + 1}"):
            return True
        if not any(joined):
            return lambda: _("a fusion of %(gene)s with itself: check the report for exon %(n)s skipping",
                             gene=gene, n=exon)
        return False
    if finding.kind is not BiomarkerKind.VARIANT:
        return False
    where, ends = (finding.exon or "").lower(), _intron_offsets(finding.hgvs_c)
    if not where and any(0 < abs(o) <= 2 for o in ends):
        return _exon_unrecorded(finding, exon)  # a splice-site change, but of which exon?
    if where == f"intron {exon - 1}":
        around = bool(ends) and all(o < 0 for o in ends)  # before the exon: its acceptor site
    elif where == f"intron {exon}":
        around = bool(ends) and all(o > 0 for o in ends)  # after the exon: its donor site
    else:
        around = where == f"exon {exon}" and any(ends)  # from the exon into an intron beside it
    if around:
        # Bases 1 and 2 of the intron are the splice site itself; a change from the exon reaches them.
        if 0 in ends or min(abs(o) for o in ends) <= 2:
            return True
        return lambda: _("%(what)s: near the splice site of exon %(n)s; check the report says it is skipped",
                         what=_finding_words(finding), n=exon)
    # The lab's note ("MET exon 14 skipping", "METex14 skipping"), unless it says it was not found.
    note = (finding.description or "").lower().replace(gene.lower(), " ")
    if re.search(rf"(?<![a-z])ex(?:on)?\s*{exon}(?!\d)[^.;]*skip", note) and not _NEGATED.search(note):
        return lambda: _("described as exon %(n)s skipping; check the report", n=exon)
    return False


def _exon_unrecorded(finding: Finding, exon: int) -> Callable[[], str]:
    return lambda: _("%(what)s: no exon recorded; check it is in exon %(n)s", what=_finding_words(finding), n=exon)


def _intron_offsets(coding: str | None) -> list[int]:
    """How far into an intron each end of a coding change lies, -k before an exon and +k
    after it, 0 in an exon: c.3082+1G>T -> [1]; c.3070_3082+8del -> [0, 8]; [] if unread."""
    m = _CODING_POSITIONS.match(coding or "")
    if m is None:
        return []
    return [int(offset) if offset else 0 for offset in ([m[2], m[4]] if m[3] else [m[2]])]


def _finding_words(finding: Finding) -> str:
    if finding.kind is BiomarkerKind.FUSION:
        return "::".join(g for g in (finding.gene, finding.gene_3p) if g) + " " + _("fusion")
    if finding.kind is BiomarkerKind.CNV:
        return f"{finding.gene} {finding.cnv_type or ''}".strip()
    return " ".join(p for p in (finding.gene, finding.hgvs_p or finding.hgvs_c, finding.exon) if p)
