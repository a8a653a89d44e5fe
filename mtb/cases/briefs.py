"""A case's findings read as rows, and what lists print of them — short labels (case
lists, searches) and a line of the key findings (agenda rows) — kept per worker under the
case's version.

A list prints twenty to sixty cases' findings on every view, and reading and wording them
was a fifth of a case list's time and more of an agenda's. A case's version moves with
every change of its findings and reports (``mtb.cases.models``: a flush that writes one
writes the case too), so a brief kept under (case, version, language) is never stale
(``mtb.fragments``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import get_locale

from mtb import fragments
from mtb.cases.biomarker_labels import biomarker_label, finding_text
from mtb.cases.models import Biomarker, BiomarkerKind, Case, MolecularReport
from mtb.extensions import db


class FindingRow:
    """A finding read as a row, for the functions that print or match a Biomarker
    (``finding_text``, ``biomarker_label``, trial matching, completeness): its columns as
    plain attributes (read a dozen times each, where a delegating lookup cost a
    microsecond a read), and its report's assay (what a TMB names)."""

    def __init__(self, values):
        self.__dict__.update(values)
        self.report = SimpleNamespace(assay=self.report_assay) if self.report_id is not None else None

    @property
    def is_negative(self) -> bool:
        return self.kind is BiomarkerKind.NEGATIVE


def finding_rows(case_ids, versions: dict[int, int] | None = None) -> dict[int, list[FindingRow]]:
    """Each case's findings in report order, as rows: a page printing forty cases' findings
    needs none of their objects. ``versions``: filled with each case's version as the same
    statement read it (what the findings are the findings of: what may be kept under it)."""
    ids = list(case_ids)
    if not ids:
        return {}
    # Through the session's connection (flushed first, as the session's own execute would):
    # a plain SELECT, which the ORM's result layer would only slow.
    db.session.flush()
    rows = db.session.connection().execute(
        sa.select(Case.id.label("of_case"), Case.version.label("case_version"), *Biomarker.__table__.c,
                  MolecularReport.assay.label("report_assay"))
        .select_from(Case).outerjoin(Biomarker, Biomarker.case_id == Case.id)
        .outerjoin(MolecularReport, MolecularReport.id == Biomarker.report_id)
        .where(Case.id.in_(ids))
        .order_by(Biomarker.case_id, Biomarker.position)
    )
    names = list(rows.keys())
    found: dict[int, list[FindingRow]] = {}
    for row in rows:
        finding = FindingRow(zip(names, row))
        if versions is not None:
            versions[finding.of_case] = finding.case_version
        if finding.id is not None:  # else a case without findings
            found.setdefault(finding.case_id, []).append(finding)
    return found


@dataclass(frozen=True)
class FindingsBrief:
    #: Each finding's short label ("EGFR p.Leu858Arg"), negative panels left out, in report order.
    labels: tuple[str, ...]
    #: The key findings in one line (``summary_of``).
    line: str


def summary_of(findings, limit: int = 3) -> str:
    """A short, patient-free line of a case's key findings for agenda rows, each printed as
    everywhere else (``finding_text``); a negative panel comes after the findings. Findings
    are separated by semicolons: their own words may hold commas ("Not detected: EGFR,
    ALK"). ``findings``: objects or rows (``FindingRow``)."""
    ordered = sorted(findings, key=lambda b: (b.is_negative, b.position))
    labels = [finding_text(b) for b in ordered[:limit]]
    more = len(ordered) - limit
    return "; ".join(labels) + (f" (+{more})" if more > 0 else "")


def brief_of(findings) -> FindingsBrief:
    return FindingsBrief(labels=tuple(biomarker_label(b) for b in findings if not b.is_negative),
                         line=summary_of(findings))


def briefs(cases: Iterable[Case]) -> dict[int, FindingsBrief]:
    """Each case's brief by id: kept ones as they are, the others read in one query.

    Kept only when the version read in the same statement as the findings is the page's: a
    case saved between the page's reads is printed as read and kept by the next view."""
    locale = str(get_locale())
    store = fragments.kept("case-findings")
    found: dict[int, FindingsBrief] = {}
    wanted: dict[int, int] = {}
    for case in cases:
        kept = store.peek((case.id, case.version, locale)) if store is not None else None
        if kept is None:
            wanted[case.id] = case.version
        else:
            found[case.id] = kept
    if wanted:
        versions: dict[int, int] = {}
        rows = finding_rows(wanted, versions)
        for case_id in wanted:
            brief = brief_of(rows.get(case_id, ()))
            found[case_id] = brief
            if store is not None and versions.get(case_id) == wanted[case_id]:
                store.put((case_id, wanted[case_id], locale), brief)
    return found
