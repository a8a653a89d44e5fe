"""Short human labels for biomarkers, used in lists, agendas, minutes and letters."""

from __future__ import annotations

from decimal import Decimal

from flask import has_request_context
from flask_babel import gettext

from mtb.cases.models import BiomarkerKind, CnvType, HrdStatus

#: The kinds' labels by kind (the minutes part reads them so; ``BiomarkerKind.label`` is the source).
KIND_LABELS = {kind: kind.label for kind in BiomarkerKind}


def _(message: str, **variables) -> str:
    """gettext that also works outside a request (jobs, CLI, PDFs): English there."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


def _cnv_word(cnv_type: CnvType) -> str:
    return {CnvType.GAIN: _("gain"), CnvType.AMPLIFICATION: _("amplification"),
            CnvType.LOSS: _("loss"), CnvType.DELETION: _("deletion")}[cnv_type]


def _hrd_word(status: HrdStatus) -> str:
    return {HrdStatus.POSITIVE: _("positive"), HrdStatus.NEGATIVE: _("negative"),
            HrdStatus.INCONCLUSIVE: _("inconclusive")}[status]


def number(value: Decimal | float | int | None) -> str:
    """12.50 -> "12.5", 80.00 -> "80"."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def biomarker_label(b) -> str:
    """"EGFR p.Leu858Arg", "ALK fusion EML4::ALK", "TMB 14.2 mut/Mb", "PD-L1 TPS 80 %"."""
    kind = b.kind
    if kind is BiomarkerKind.VARIANT:
        change = b.hgvs_p or b.hgvs_c or ""
        return f"{b.gene or '?'} {change}".strip()
    if kind is BiomarkerKind.CNV:
        what = _cnv_word(b.cnv_type) if b.cnv_type else _("copy-number change")
        copies = _(" (%(n)s copies)", n=number(b.copy_number)) if b.copy_number is not None else ""
        return f"{b.gene or '?'} {what}{copies}"
    if kind is BiomarkerKind.FUSION:
        partners = f"{b.gene or '?'}::{b.gene_3p or '?'}"
        driver = b.gene_3p or b.gene or ""
        return _("%(driver)s fusion %(partners)s", driver=driver, partners=partners)
    if kind is BiomarkerKind.TMB:
        return _("TMB %(value)s mut/Mb", value=number(b.tmb)) if b.tmb is not None else _("TMB")
    if kind is BiomarkerKind.MSI:
        return b.msi_status.value if b.msi_status else _("MSI status")
    if kind is BiomarkerKind.PDL1:
        parts = []
        if b.pdl1_tps is not None:
            parts.append(f"TPS {number(b.pdl1_tps)} %")
        if b.pdl1_cps is not None:
            parts.append(f"CPS {number(b.pdl1_cps)}")
        if b.pdl1_ic is not None:
            parts.append(f"IC {number(b.pdl1_ic)} %")
        return "PD-L1 " + ", ".join(parts) if parts else "PD-L1"
    if kind is BiomarkerKind.HRD:
        status = _hrd_word(b.hrd_status) if b.hrd_status else ""
        score = _(" (score %(score)s)", score=number(b.hrd_score)) if b.hrd_score is not None else ""
        return f"HRD {status}{score}".strip()
    return b.description or _("Other finding")
