"""How a stored finding is printed: the one place the case page, the agenda, the session
page, the minutes and the letters take their words from.

- ``biomarker_label``: short, for lists and choices ("EGFR p.Leu858Arg").
- ``finding_text``: the finding with its transcript, as reports print it
  ("BRAF NM_004333.6:c.1799T>A p.(Val600Glu)"; "Not detected: EGFR, ALK, ROS1").
- ``finding_details``: what qualifies it ("exon 15", "somatic", "Tier I", "VAF 46 %").
- ``report_label`` / ``report_details``: a report and its specimen.
"""

from __future__ import annotations

from decimal import Decimal

from flask import has_request_context

from mtb.cases.findings import BiomarkerKind, FusionDriver, MmrStatus, SpecimenType
from mtb.cases.genes import chromosome_of
from mtb.formatting import local_date, local_decimal
from mtb.i18n import gettext
from mtb.i18n import ngettext as catalogue_ngettext

#: The kinds' labels by kind (the minutes part reads them so; ``BiomarkerKind.label`` is the source).
KIND_LABELS = {kind: kind.label for kind in BiomarkerKind}


def _(message: str, **variables) -> str:
    """gettext that also works outside a request (jobs, CLI, PDFs): English there."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: Decimal | int, **variables) -> str:
    """ngettext that also works outside a request (jobs, CLI, PDFs): English there. ``num``
    may be a decimal: 1 (or 1.00) takes the singular, 2.5 the plural."""
    count = _plural_count(num)
    if has_request_context():
        return catalogue_ngettext(singular, plural, count, **variables)
    variables.setdefault("num", count)
    return (singular if count == 1 else plural) % variables


def _plural_count(value: Decimal | int) -> int:
    """The whole number gettext's plural rules are written for (they refuse a Decimal): a
    whole value as it is; a fraction is counted as 2, which takes the plural in English and
    French ("2.5 copies", "0.5 copies")."""
    whole = int(value)
    return whole if whole == value else 2


def number(value: Decimal | float | int | None) -> str:
    """12.50 -> "12.5", 80.00 -> "80", 0.0040 -> "0.004" (as a form reads it back)."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def shown(value: Decimal | float | int | None) -> str:
    """``number`` as the reader writes decimals: "12.5" in English, "12,5" in French."""
    return local_decimal(number(value))


def _words(value) -> str:
    """An enum's label as plain text ("" for None)."""
    return str(value.label) if value is not None else ""


# --- Short labels ----------------------------------------------------------------

def _fusion_name(b) -> str:
    """"ALK fusion EML4::ALK"; "ALK rearrangement, partner unknown"."""
    if b.partner_unknown:
        gene = b.gene or b.gene_3p or "?"
        return _("%(gene)s rearrangement, partner unknown", gene=gene)
    partners = f"{b.gene or '?'}::{b.gene_3p or '?'}"
    driver = b.gene if b.driver is FusionDriver.FIVE_PRIME else (b.gene_3p or b.gene or "")
    return _("%(driver)s fusion %(partners)s", driver=driver, partners=partners)


def _cnv_name(b, with_values: bool) -> str:
    what = _words(b.cnv_type) or _("copy-number change")
    values = []
    if b.copy_number is not None:
        values.append(ngettext("%(n)s copy", "%(n)s copies", b.copy_number, n=shown(b.copy_number)))
    if with_values and b.cn_ratio is not None:
        values.append(_("%(ratio)s ratio %(value)s", ratio=_ratio_name(b), value=shown(b.cn_ratio)))
    if with_values and b.log2_ratio is not None:
        values.append(_("log2 ratio %(value)s", value=shown(b.log2_ratio)))
    return f"{b.gene or '?'} {what}" + (f" ({', '.join(values)})" if values else "")


def _ratio_name(b) -> str:
    """MET/CEP7: the gene over its chromosome's centromere probe."""
    chromosome = chromosome_of(b.gene) if b.gene else None
    return f"{b.gene}/CEP{chromosome}" if chromosome and chromosome not in ("MT",) else _("gene/centromere")


def _pdl1_name(b) -> str:
    parts = []
    if b.pdl1_tps is not None:
        parts.append(f"TPS {shown(b.pdl1_tps)} %")
    elif b.pdl1_category is not None:
        parts.append(f"TPS {_words(b.pdl1_category)}")
    if b.pdl1_cps is not None:
        parts.append(f"CPS {shown(b.pdl1_cps)}")
    if b.pdl1_ic is not None:
        parts.append(f"IC {shown(b.pdl1_ic)} %")
    text = "PD-L1 " + ", ".join(parts) if parts else "PD-L1"
    return text + (f" ({b.pdl1_clone.value})" if b.pdl1_clone else "")


def _mmr_name(b) -> str:
    if b.mmr_status is MmrStatus.DEFICIENT:
        lost = ", ".join(b.mmr_lost or [])
        return _("MMR deficient (loss of %(proteins)s)", proteins=lost) if lost else _("MMR deficient")
    if b.mmr_status is MmrStatus.PROFICIENT:
        return _("MMR proficient")
    return _("MMR status")


def _negative_name(b) -> str:
    return _("Not detected: %(items)s", items=", ".join(b.not_detected or []) or "?")


def _tmb_name(b) -> str:
    if b.tmb is None:
        return _("TMB")
    panel = b.report.assay if b.report is not None and b.report.assay else None
    if panel:
        return _("TMB %(value)s mut/Mb (%(panel)s)", value=shown(b.tmb), panel=panel)
    return _("TMB %(value)s mut/Mb", value=shown(b.tmb))


def biomarker_label(b) -> str:
    """"EGFR p.Leu858Arg", "ALK fusion EML4::ALK", "TMB 14.2 mut/Mb", "PD-L1 TPS 80 %"."""
    kind = b.kind
    if kind is BiomarkerKind.VARIANT:
        change = b.hgvs_p or b.hgvs_c or ""
        return f"{b.gene or '?'} {change}".strip()
    if kind is BiomarkerKind.CNV:
        return _cnv_name(b, with_values=False)
    if kind is BiomarkerKind.FUSION:
        return _fusion_name(b)
    if kind is BiomarkerKind.TMB:
        return _("TMB %(value)s mut/Mb", value=shown(b.tmb)) if b.tmb is not None else _("TMB")
    if kind is BiomarkerKind.MSI:
        return b.msi_status.value if b.msi_status else _("MSI status")
    if kind is BiomarkerKind.MMR:
        return _mmr_name(b)
    if kind is BiomarkerKind.PDL1:
        return _pdl1_name(b)
    if kind is BiomarkerKind.HRD:
        status = _words(b.hrd_status)
        score = _(" (score %(score)s)", score=shown(b.hrd_score)) if b.hrd_score is not None else ""
        return f"HRD {status}{score}".strip()
    if kind is BiomarkerKind.NEGATIVE:
        return _negative_name(b)
    return b.description or _("Other finding")


# --- The finding as printed everywhere ------------------------------------------------

def finding_text(b) -> str:
    """The finding with its transcript, as the clinical reports print it:
    "BRAF NM_004333.6:c.1799T>A p.(Val600Glu)", "MET amplification (9 copies, MET/CEP7
    ratio 2.5)", "ALK rearrangement, partner unknown", "Not detected: EGFR, ALK"."""
    kind = b.kind
    if kind is BiomarkerKind.VARIANT:
        parts = [b.gene or "?"]
        if b.hgvs_c:
            parts.append(f"{b.transcript}:{b.hgvs_c}" if b.transcript else b.hgvs_c)
        if b.hgvs_p:
            parts.append(f"{b.protein_reference}:{b.hgvs_p}" if b.protein_reference and not b.hgvs_c else b.hgvs_p)
        return " ".join(parts)
    if kind is BiomarkerKind.CNV:
        return _cnv_name(b, with_values=True)
    if kind is BiomarkerKind.TMB:
        return _tmb_name(b)
    return biomarker_label(b)


def finding_details(b) -> list[str]:
    """What qualifies the finding, in print order (the note aside)."""
    details: list[str] = []
    kind = b.kind
    if kind is BiomarkerKind.VARIANT:
        if b.transcript and not b.hgvs_c:
            details.append(_("transcript %(transcript)s", transcript=b.transcript))
        if b.protein_reference and b.hgvs_c:
            details.append(_("protein %(reference)s", reference=b.protein_reference))
        if b.exon:
            details.append(_location(b.exon))
        if b.hgvs_g:
            details.append(b.hgvs_g)
    if kind is BiomarkerKind.FUSION and (b.breakpoint_5p or b.breakpoint_3p):
        five = f"{b.gene} {_location(b.breakpoint_5p)}" if b.breakpoint_5p and b.gene else ""
        three = f"{b.gene_3p} {_location(b.breakpoint_3p)}" if b.breakpoint_3p and b.gene_3p else ""
        details.append(_("breakpoints %(where)s", where="::".join(x for x in (five, three) if x)))
    if kind in (BiomarkerKind.CNV, BiomarkerKind.FUSION) and b.method is not None:
        details.append(_words(b.method))
    if b.origin is not None:
        details.append(_words(b.origin))
    if b.classification is not None:
        details.append(b.classification.short)
    if b.vaf is not None:
        details.append(_("VAF %(v)s %%", v=shown(b.vaf)))
    return details


def _location(text: str) -> str:
    """"exon 19" printed in the reader's words (stored in English)."""
    where, _sep, value = (text or "").partition(" ")
    if where == "intron":
        return _("intron %(n)s", n=value)
    if where == "exon":
        return _("exon %(n)s", n=value)
    return text


# --- Reports --------------------------------------------------------------------

def _value(report, name: str):
    """A report's value, from a MolecularReport or from the form's report card."""
    value = getattr(report, name, None)
    return getattr(value, "data", value)


def report_label(report, number: int | None = None) -> str:
    """"Report 1 · Oncomine Focus · FFPE tissue": how rows and cards name a report."""
    position = number if number is not None else (getattr(report, "position", 0) or 0) + 1
    parts = [_("Report %(n)d", n=position)]
    assay = _value(report, "assay")
    if assay:
        parts.append(str(assay))
    specimen = _value(report, "specimen_type")
    if specimen:
        try:
            parts.append(str(SpecimenType(specimen).label))
        except ValueError:
            pass
    return " · ".join(parts)


def report_details(report) -> list[str]:
    """What a board reads about a report: specimen, site, tumour content, assay, lab, build."""
    details = []
    specimen = " ".join(x for x in (_words(report.specimen_type), f"({report.sample_id})" if report.sample_id else "")
                        if x)
    if specimen:
        details.append(specimen)
    site = ", ".join(x for x in (_words(report.sample_site), report.site) if x)
    if site:
        details.append(site)
    if report.collected_on:
        details.append(_("collected %(day)s", day=local_date(report.collected_on)))
    if report.tumour_content is not None:
        details.append(_("tumour cells %(n)s %%", n=shown(report.tumour_content)))
    if report.assay:
        details.append(report.assay)
    if report.lab:
        details.append(report.lab)
    if report.reported_on:
        details.append(_("reported %(day)s", day=local_date(report.reported_on)))
    if report.genome_build is not None:
        details.append(report.genome_build.value)
    return details
