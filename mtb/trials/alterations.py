"""Alteration criteria of a trial ("BRAF p.Val600Glu", "BRAF p.Val600", "EGFR exon 20",
"ALK fusion", "MET amplification", "KRAS mutation", a gene alone) judged on a case's
findings: met by a finding that is the alteration, failed when the gene was tested and
the alteration is not among the findings, unknown when nothing was sequenced."""

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


def alteration_text(alteration: dict) -> str:
    gene, kind, change = alteration.get("gene", ""), alteration.get("kind") or "any", alteration.get("change") or ""
    if kind == "cnv":
        return f"{gene} {_('amplification') if change in ('', 'amplification') else change}"
    if kind == "fusion":
        words = _("fusion")
    elif kind == "variant":
        words = change or _("mutation")
    elif kind == "any":
        words = change or _("alteration")
    else:
        words = change
    return f"{gene} {words}".strip()


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
    found = [f for f in facts.findings if _gene_matches(f, gene) and _change_matches(f, alteration)]
    # A synonymous change never meets a codon or protein criterion (KRAS G12 is no p.Gly12=);
    # a gene or exon criterion, only when the lab calls it pathogenic (a splice site broken).
    protein = (alteration.get("change") or "").startswith("p.")
    synonymous = [f for f in found if is_synonymous(f) and (protein or f.classification not in PATHOGENIC)]
    found = [f for f in found if f not in synonymous]
    actionable = [f for f in found if f.classification not in BENIGN | UNCERTAIN]
    sure = [f for f in actionable if _doubt(f, gene) is None]
    if sure:
        return Criterion(text, MET, lambda: _("found: %(what)s", what=_finding_words(sure[0])))
    if actionable:
        return Criterion(text, UNKNOWN, _doubt(actionable[0], gene), proposes=True)
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


def _doubt(finding: Finding, gene: str) -> Callable[[], str] | None:
    """Why a finding that meets the criterion still is to check, worded; None when it is not.

    A kinase or transcription factor keeps its 3′ part in the fusions that drive (EML4::ALK):
    recorded at the 5′ end with another 3′ partner (ALK::EML4), the row is the reciprocal
    product without the kinase, or the partners were typed in the other order."""
    if (finding.kind is BiomarkerKind.FUSION and gene in USUAL_3P_PARTNERS and (finding.gene or "").upper() == gene
            and finding.gene_3p and finding.gene_3p.upper() != gene):
        return lambda: _("%(gene)s at the 5′ end: check the orientation against the report", gene=gene)
    return None


def _finding_words(finding: Finding) -> str:
    if finding.kind is BiomarkerKind.FUSION:
        return "::".join(g for g in (finding.gene, finding.gene_3p) if g) + " " + _("fusion")
    if finding.kind is BiomarkerKind.CNV:
        return f"{finding.gene} {finding.cnv_type or ''}".strip()
    return " ".join(p for p in (finding.gene, finding.hgvs_p or finding.hgvs_c, finding.exon) if p)
