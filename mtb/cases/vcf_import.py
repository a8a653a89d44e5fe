"""Importing variants from a VCF attached to the case: the rows the file proposes, each
checked by the case form's own rules (``check_biomarker``), filtered as the clinician
asks (PASS only, protein-altering, a VAF floor, a gene panel), then the ticked rows added
to the case with where they come from (file name, SHA-256, record line).

Services flush; the request commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError

from mtb.audit import services as audit
from mtb.cases.biomarker_validation import check_biomarker
from mtb.cases.gene_checks import obvious_driver
from mtb.cases.lifecycle import add_event
from mtb.cases.models import Attachment, Biomarker, BiomarkerKind, Case, FusionDriver, MolecularReport
from mtb.cases.problems import Problems
from mtb.cases.vcf import VcfFile, VcfRefused, read_vcf
from mtb.cases.vcf_rows import Proposal, ProposedRow, propose
from mtb.cases.vocab import MAX_BIOMARKERS
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.i18n import gettext as _

VCF_TYPES = ("vcf", "vcf.gz")


@dataclass
class ImportFilters:
    """What the review shows: PASS records only, protein-altering or splice changes only,
    a VAF floor (percent), the genes of a panel (empty: all)."""

    pass_only: bool = True
    relevant_only: bool = True
    vaf_min: Decimal | None = None
    genes: tuple[str, ...] = ()

    def keeps(self, row: ProposedRow) -> bool:
        if self.pass_only and not row.passed:
            return False
        if self.relevant_only and not row.relevant:
            return False
        if self.vaf_min is not None and row.vaf is not None and row.vaf < self.vaf_min:
            return False
        genes = {g.upper() for g in self.genes}
        if genes and not {(row.values.get("gene") or "").upper(), (row.values.get("gene_3p") or "").upper()} & genes:
            return False
        return True


def parse_genes(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.upper() for t in re.split(r"[\s,;]+", text or "") if t))


@dataclass
class Review:
    """The rows a file proposes for a case. Only the rows the page shows (``show``) or the
    import adds (``check``) go through the case form's checks: each check looks gene symbols
    up in the database, and a file proposes thousands of rows the filters hide."""

    attachment: Attachment
    vcf: VcfFile
    proposal: Proposal
    report: MolecularReport | None
    sample: str | None
    shown: list[ProposedRow] = field(default_factory=list)
    hidden: int = 0
    #: Keys of rows already on the case (same gene and change): unticked by default.
    already: set[str] = field(default_factory=set)
    #: The (kind, gene, change, 3' gene) of the rows on the case when the review was made.
    existing: set[tuple] = field(default_factory=set)

    @property
    def bad_lines(self) -> list[tuple[int, str]]:
        return self.vcf.bad_lines

    @property
    def needs_sample(self) -> bool:
        """The file has several samples and does not say which is the tumour: the user chooses."""
        return len(self.vcf.samples) > 1 and self.sample is None

    @property
    def ticked_by_default(self) -> set[str]:
        """The shown rows the case form's checks accept and the case does not have yet; never
        a filtered record (the caller's filter flags it), a record the file repeats, or any
        row before the tumour sample is chosen (the VAF would be another sample's)."""
        if self.needs_sample:
            return set()
        return {r.key for r in self.shown if not r.errors and r.key not in self.already and r.passed
                and r.duplicate_of is None}

    def show(self, filters: ImportFilters, drivers: dict[str, str] | None = None) -> None:
        """Keep the rows ``filters`` let through in ``shown`` (the others are counted) and check them."""
        self.shown = [row for row in self.proposal.rows if filters.keeps(row)]
        self.hidden = len(self.proposal.rows) - len(self.shown)
        self.check(self.shown, drivers)

    def check(self, rows: list[ProposedRow], drivers: dict[str, str] | None = None) -> None:
        """Run the case form's checks on ``rows`` (once each): their errors and warnings,
        the values an import stores, whether the case already has them. ``drivers``: the
        partner the user chose as driver of a fusion the file cannot settle, by row key."""
        drivers = drivers or {}
        for row in rows:
            if row.checked:
                continue
            values = dict(row.values)
            if row.kind is BiomarkerKind.FUSION:
                five, three = values.get("gene"), values.get("gene_3p")
                row.asks_driver = bool(five and three) and obvious_driver(five, three) is None
                if row.asks_driver and drivers.get(row.key) in {d.value for d in FusionDriver}:
                    values["driver"] = drivers[row.key]
            problems = Problems()
            prefix = f"row-{row.key}"
            out = check_biomarker(values, prefix, problems)
            row.checked, row.checked_values = True, out
            row.errors = {k.removeprefix(prefix + "-"): v for k, v in problems.errors.items()}
            warnings = {k.removeprefix(prefix + "-"): list(v) for k, v in problems.warnings.items()}
            for key, messages in row.warnings.items():  # what the file itself says (possibly germline)
                warnings.setdefault(key, []).extend(m for m in messages if m not in warnings.get(key, []))
            row.warnings = warnings
            if out is not None and _signature(out["kind"].value, out.get("gene"), out.get("hgvs_c"),
                                              out.get("hgvs_p"), out.get("gene_3p")) in self.existing:
                self.already.add(row.key)


def _report_for(case: Case, report_id: int | None) -> MolecularReport | None:
    """The report the rows will belong to: the one chosen, else the first with a genome build, else the first."""
    reports = list(case.reports)
    chosen = next((r for r in reports if r.id == report_id), None) if report_id else None
    return chosen or next((r for r in reports if r.genome_build is not None), reports[0] if reports else None)


def review(case: Case, attachment: Attachment, *, sample: str | None = None, report_id: int | None = None,
           filters: ImportFilters | None = None) -> Review:
    """Read the attachment and propose its rows; the rows ``filters`` keep are shown,
    each checked like a typed row.

    Raises VcfRefused (a clear message, no rows) for a file that is not a VCF, a VCF
    without annotations, or one on another genome build than the case's report."""
    found = _read(case, attachment, sample, report_id)
    found.show(filters or ImportFilters())
    return found


def _read(case: Case, attachment: Attachment, sample: str | None, report_id: int | None) -> Review:
    """The file's proposed rows, none checked yet. Raises VcfRefused (see ``review``)."""
    if attachment.file_type not in VCF_TYPES:
        raise VcfRefused(_("%(name)s is not a VCF: variants are imported from a .vcf or .vcf.gz file.",
                           name=attachment.filename))
    vcf = read_vcf(attachment.data)
    report = _report_for(case, report_id)
    if vcf.build is not None and report is not None and report.genome_build is not None \
            and vcf.build is not report.genome_build:
        raise VcfRefused(_("This VCF's records are on %(file)s, but the case's report is on %(report)s: the positions "
                           "and descriptions would not match. Ask the laboratory for the %(report)s file, or correct "
                           "the report's genome build.", file=vcf.build.value, report=report.genome_build.value))
    proposal = propose(vcf, sample)
    if not proposal.rows:
        raise VcfRefused(_("No variant with a gene annotation was found in this VCF (%(n)d records read).",
                           n=len(vcf.records)))
    existing = {_signature(b.kind.value, b.gene, b.hgvs_c, b.hgvs_p, b.gene_3p) for b in case.biomarkers}
    return Review(attachment, vcf, proposal, report, sample if sample in vcf.samples else vcf.tumour_sample,
                  existing=existing)


def _signature(kind, gene, hgvs_c, hgvs_p, gene_3p) -> tuple:
    return kind, (gene or "").upper(), hgvs_c or hgvs_p or "", (gene_3p or "").upper()


class RowsInvalid(InvalidInput):
    """Ticked rows break the case form's rules; ``keys`` names them (the review shows why).
    ``review`` is the file as read, the ticked rows checked: the page shows it again
    without reading the file twice."""

    def __init__(self, keys: list[str], review: Review):
        super().__init__("rows", _("Some ticked rows do not pass the checks of the case form; untick them or add "
                                   "them by hand from the case form."))
        self.keys = keys
        self.review = review


def import_rows(case: Case, attachment: Attachment, user, keys: list[str], *, sample: str | None = None,
                report_id: int | None = None, expected_version: int | str | None,
                drivers: dict[str, str] | None = None) -> list[Biomarker]:
    """Add the ticked rows to the case, after the same checks as typed rows (``drivers``:
    the partner chosen as driver of a fusion the file cannot settle, by row key).

    ``expected_version`` is the case's version the review was shown on; without it the
    rows are refused like a stale review (a replayed request would add them twice).
    Raises NotAllowed, ConflictError (the case changed since the review was shown, or
    the version is missing), VcfRefused, InvalidInput (nothing ticked), RowsInvalid."""
    if not case.can_edit(user):
        raise NotAllowed(_("Only the case's submitter, or once it is submitted a secretary of the board, can add "
                           "biomarkers, and only while the case is not yet on a meeting."))
    if expected_version is None or not str(expected_version).strip():
        raise ConflictError(_("The request does not say which version of the case the rows were reviewed on, so "
                              "nothing was added; review the rows again."))
    if str(expected_version).strip() != str(case.version):
        raise ConflictError(_("Someone saved this case since the review was shown; review the rows again."))
    found = _read(case, attachment, sample, report_id)
    if found.needs_sample:
        raise InvalidInput("sample", _("The file has several samples and does not say which one is the tumour: "
                                       "choose the tumour sample above and apply, then tick the rows again."))
    wanted = set(keys)
    chosen = [row for row in found.proposal.rows if row.key in wanted]  # in the file's order
    if not chosen:
        raise InvalidInput("rows", _("Tick at least one row to add."))
    found.check(chosen, drivers)
    invalid = [row.key for row in chosen if row.errors or row.checked_values is None]
    if invalid:
        raise RowsInvalid(invalid, found)
    if len(case.biomarkers) + len(chosen) > MAX_BIOMARKERS:
        raise InvalidInput("rows", _("A case holds at most %(max)d biomarker rows; it has %(has)d and %(n)d are "
                                     "ticked. Untick some rows (keep what the board will discuss).",
                                     max=MAX_BIOMARKERS, has=len(case.biomarkers), n=len(chosen)))
    added = []
    position = len(case.biomarkers)
    with db.session.no_autoflush:
        for row in chosen:
            out = dict(row.checked_values)
            out.pop("report", None)
            biomarker = Biomarker(position=position, report=found.report, source_file=attachment.filename,
                                  source_sha256=attachment.sha256, source_line=row.line, **out)
            case.biomarkers.append(biomarker)
            added.append(biomarker)
            position += 1
        case.updated_at = utcnow()  # the case's version moves: an open edit form gets a conflict
        add_event(case, "edited", user, attachment.filename[:300])
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(_("Someone saved this case while you were importing.")) from error
    audit.record("case.import_variants", case, user=user, details={
        "file": attachment.filename, "sha256": attachment.sha256, "lines": [row.line for row in chosen]})
    return added
