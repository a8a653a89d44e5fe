"""Completeness of a submission against what its board asks for (``Board.completeness_requirements``).

A gene is covered by any finding naming it (variant, copy-number change, either partner of a
fusion, an "other" finding whose description starts with it) or by a "tested, not detected"
entry starting with it ("MET exon 14" covers MET); PD-L1, TMB, MSI (or MMR by IHC) and HRD by
a finding of that kind; "germline" by the patient's germline-testing consent status (any
answer recorded, "not asked yet" included), a germline report (blood or saliva) or a germline
variant. The check informs and never blocks: a missing result may have a reason, written in
the clinical question.
"""

from __future__ import annotations

from collections.abc import Iterable

from mtb.cases.findings import Biomarker, BiomarkerKind, MolecularReport, SpecimenType, VariantOrigin
from mtb.cases.gene_checks import panel_items
from mtb.i18n import lazy_gettext as _l

#: Which finding kinds cover a non-gene requirement.
_KIND_ITEMS = {
    "PD-L1": (BiomarkerKind.PDL1,),
    "TMB": (BiomarkerKind.TMB,),
    "MSI": (BiomarkerKind.MSI, BiomarkerKind.MMR),
    "HRD": (BiomarkerKind.HRD,),
}
_GERMLINE_SPECIMENS = (SpecimenType.BLOOD, SpecimenType.SALIVA)
#: How a requirement reads in a list of what is missing (genes and PD-L1... read as typed).
_SHOWN = {"germline": _l("germline testing consent status")}


def shown(items: Iterable[str]) -> list[str]:
    """The requirements as a reader sees them."""
    return [str(_SHOWN.get(item, item)) for item in items]


def _covered(biomarkers: Iterable[Biomarker], reports: Iterable[MolecularReport]) -> tuple[set[str], set[str]]:
    """(genes named, requirement items covered) by the case's findings and reports."""
    genes: set[str] = set()
    items: set[str] = set()
    for marker in biomarkers:
        for gene in (marker.gene, marker.gene_3p):
            if gene:
                genes.add(gene.upper())
        for entry in marker.not_detected or []:
            genes.add(str(entry).strip().split(" ")[0].upper())
        if marker.kind is BiomarkerKind.OTHER and marker.description:
            genes.add(marker.description.strip().split(" ")[0].upper())
        for item, kinds in _KIND_ITEMS.items():
            if marker.kind in kinds:
                items.add(item)
        if marker.origin is VariantOrigin.GERMLINE:
            items.add("germline")
    if any(report.specimen_type in _GERMLINE_SPECIMENS for report in reports):
        items.add("germline")
    return genes, items


def missing(requirements: Iterable[str], biomarkers: Iterable[Biomarker],
            reports: Iterable[MolecularReport] = (), germline_consent=None) -> list[str]:
    """The requirements the findings (and the germline consent status) do not cover, in the
    board's order."""
    genes, items = _covered(list(biomarkers), list(reports))
    if germline_consent:
        items.add("germline")
    return [req for req in requirements or [] if req not in items and req.upper() not in genes]


def missing_for_case(case, findings=None) -> list[str]:
    """What the case's board asks for that the case does not carry yet, as a reader sees it.
    ``findings``: its biomarkers when read already (as objects or rows)."""
    return shown(missing(case.board.completeness_requirements or [],
                         case.biomarkers if findings is None else findings, case.reports, case.germline_consent))


class _Row:
    """A biomarker or report row of the case form, read like the model (values as typed)."""

    def __init__(self, form, names):
        for name in names:
            value = getattr(getattr(form, name, None), "data", None)
            setattr(self, name, value or None)


def missing_in_form(board, form) -> list[str]:
    """The board's requirements the rows of a case form (as typed, saved or not) leave uncovered."""
    markers, reports = [], []
    for entry in getattr(form, "biomarkers", []):
        row = _Row(entry.form, ("kind", "gene", "gene_3p", "origin", "description", "not_detected"))
        row.kind = BiomarkerKind(row.kind) if row.kind in BiomarkerKind._value2member_map_ else None
        row.origin = VariantOrigin(row.origin) if row.origin in VariantOrigin._value2member_map_ else None
        row.not_detected = panel_items(str(row.not_detected or ""))
        markers.append(row)
    for entry in getattr(form, "reports", []):
        row = _Row(entry.form, ("specimen_type",))
        row.specimen_type = (SpecimenType(row.specimen_type) if row.specimen_type in SpecimenType._value2member_map_
                             else None)
        reports.append(row)
    consent = getattr(getattr(form, "germline_consent", None), "data", None)
    return shown(missing(board.completeness_requirements or [], markers, reports, consent or None))
