"""Demo cases: a dozen realistic (fictitious) patients across the three boards (their data
in ``demo_data``), each submitted case with its lab reports as PDFs made here with WeasyPrint."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from mtb.accounts.models import User
from mtb.boards import services as boards
from mtb.cases import services, validation
from mtb.cases.biomarker_labels import number
from mtb.cases.demo_data import DEMO_CASES, LABS
from mtb.cases.lifecycle import change_status
from mtb.cases.models import BiomarkerKind, Case, CaseStatus
from mtb.cases.references import next_reference
from mtb.cases.uploads import check_upload
from mtb.db import utcnow
from mtb.extensions import db

#: A report gets a PDF when it holds sequencing results (not an IHC or FISH-only report).
NGS_KINDS = (BiomarkerKind.VARIANT, BiomarkerKind.FUSION, BiomarkerKind.CNV, BiomarkerKind.TMB,
             BiomarkerKind.NEGATIVE, BiomarkerKind.MSI)


class _NoFetching(URLFetcher):
    """The demo report is self-contained: any fetch is a bug, never a network call."""

    def fetch(self, url, headers=None):
        raise ValueError(f"demo report must not fetch {url[:100]}")


def _report_rows(report) -> list[dict]:
    """The findings of one report as its results table prints them."""
    rows = []
    for b in report.biomarkers:
        if b.kind is BiomarkerKind.NEGATIVE:
            continue
        value = f"{number(b.vaf)} %" if b.vaf is not None else (
            f"{number(b.copy_number)} {'copy' if b.copy_number == 1 else 'copies'}"
            if b.copy_number is not None else "")
        tier = b.classification.label if b.classification else ""
        if b.origin is not None:
            tier = f"{tier} ({b.origin.label})" if tier else str(b.origin.label)
        finding = " ".join(x for x in (b.hgvs_c, b.hgvs_p) if x) if b.is_variant else b.full_label
        rows.append(dict(gene=b.gene or b.gene_3p or b.label.split(" ")[0], finding=finding,
                         transcript=b.transcript or "", exon=b.exon or "", value=value, tier=tier))
    return rows


def ngs_report_pdf(case: Case, board_slug: str, report) -> bytes:
    """The lab's report as a PDF: specimen, tumour content, results with tier and origin,
    and what was tested and not detected."""
    negatives = [item for b in report.biomarkers if b.is_negative for item in b.not_detected]
    html = render_template(
        "cases/ngs_report.html", case=case, lab=LABS[board_slug], rows=_report_rows(report), report=report,
        negatives=negatives, report_id=f"NGS-{case.reference[-9:]}-{report.position + 1}",
        issued=report.reported_on or utcnow().date() - timedelta(days=2),
        method=("DNA and RNA extracted from the specimen; targeted next-generation sequencing (Ion Torrent / "
                "Illumina), mean depth > 500x; variants reported at VAF ≥ 5 % (plasma: ≥ 0.001 %). Reference "
                f"genome {report.genome_build.value if report.genome_build else 'GRCh38'}."),
        comment="Findings to be discussed at the molecular tumour board. Germline confirmation is advised when a "
                "pathogenic variant in a cancer predisposition gene is found.",
    )
    return HTML(string=html, url_fetcher=_NoFetching()).write_pdf()


def seed() -> None:
    """Add the demo cases (the boards and clinician@example.org exist); flushes, never commits."""
    # Messages and the report template are translated: give them a request's locale.
    with current_app.test_request_context("/"):
        _seed()


def _dated(reports: list[dict], submitted: date) -> list[dict]:
    """Reports collected about two weeks and issued a few days before the case was submitted."""
    dated = []
    for position, report in enumerate(reports):
        report = dict(report, _prefix=f"reports-{position}")
        report["collected_on"] = report.get("collected_on") or submitted - timedelta(days=14)
        report["reported_on"] = report.get("reported_on") or submitted - timedelta(days=3)
        dated.append(report)
    return dated


def _seed() -> None:
    clinician = db.session.scalar(sa.select(User).where(User.email == "clinician@example.org"))
    if clinician is None:
        return
    now = utcnow()
    for board_slug, days_ago, values, reports, rows in DEMO_CASES:
        board = boards.get_board(board_slug)
        submitted = (now - timedelta(days=days_ago or 1)).date()
        checked = validation.check_form(dict(values), [dict(r) for r in rows], complete=True,
                                        reports=_dated(reports, submitted))
        case = Case(reference=next_reference(board), board=board, submitter=clinician, status=CaseStatus.DRAFT)
        services.apply_values(case, checked)
        db.session.add(case)
        case.created_at = now - timedelta(days=(days_ago or 1) + 2)
        change_status(case, CaseStatus.DRAFT, clinician)
        db.session.flush()
        if days_ago is None:
            continue
        case.submitted_at = now - timedelta(days=days_ago)
        change_status(case, CaseStatus.SUBMITTED, clinician)
        db.session.flush()
        for event in case.events:
            event.at = case.created_at if event.kind == "draft" else case.submitted_at
        for report in case.reports:
            if not any(b.kind in NGS_KINDS for b in report.biomarkers):
                continue
            pdf = ngs_report_pdf(case, board_slug, report)
            name = f"NGS report {case.reference}" + (f" ({report.position + 1})" if report.position else "") + ".pdf"
            checked_file = check_upload(name, pdf, 25 * 1024 * 1024)
            attachment = services.attach_file(case, clinician, checked_file, report.assay or "NGS report")
            attachment.uploaded_at = case.submitted_at
    db.session.flush()
