"""Cases: who sees which, the checks a case passes, saving, submitting, withdrawing,
attachments, and the panels the cases part adds to other pages.

Services flush; the view (or CLI, or job) commits. Rule breaks raise
``CaseInputError`` (every problem of the form at once, keyed by form field name).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload, undefer
from sqlalchemy.orm.exc import StaleDataError

from mtb.accounts.models import Role
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.cases import checks
from mtb.cases.forms import KIND_FIELDS, RESEARCH_COHORTS
from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.lifecycle import add_event, change_status
from mtb.cases.models import (
    Attachment,
    Biomarker,
    BiomarkerKind,
    Case,
    CaseStatus,
    CnvType,
    HrdStatus,
    POOL_STATUSES,
    MsiStatus,
    Sex,
    Urgency,
)
from mtb.cases.references import next_reference
from mtb.cases.uploads import check_upload
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed, NotFound
from mtb.extensions import db
from mtb.meetings.models import OPEN_STATUSES, AgendaItem, Meeting, MeetingStatus

log = logging.getLogger(__name__)

#: Statuses a case can be withdrawn from (after a discussion the record stays as it is).
WITHDRAWABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SCHEDULED, CaseStatus.DEFERRED)

CASE_FIELDS = (
    "patient_record_number", "patient_name", "patient_sex", "patient_birth_date",
    "diagnosis", "icd10_code", "icdo3_morphology", "stage", "ecog", "prior_lines",
    "prior_treatments", "clinical_question", "urgency", "research_consent", "no_molecular_report",
)
BIOMARKER_FIELDS = (
    "kind", "gene", "gene_3p", "transcript", "hgvs_c", "hgvs_p", "vaf", "cnv_type", "copy_number",
    "tmb", "msi_status", "pdl1_tps", "pdl1_cps", "pdl1_ic", "hrd_status", "hrd_score",
    "description", "assay", "specimen", "lab", "reported_on",
)


#: Longest text each column holds (the form says so first; the service makes sure).
MAX_LENGTHS = {
    "patient_record_number": 40, "patient_name": 200, "diagnosis": 300, "stage": 40,
    "description": 500, "assay": 200, "specimen": 200, "lab": 200, "hgvs_c": 200, "hgvs_p": 200,
}


def _check_length(name: str, value: str | None, problems: "_Problems", field_name: str | None = None) -> None:
    limit = MAX_LENGTHS.get(name)
    if value is not None and limit is not None and len(value) > limit:
        problems.add(field_name or name, _("At most %(n)d characters.", n=limit))


class CaseInputError(InvalidInput):
    """Every problem found in a case form, keyed by form field name
    (``diagnosis``, ``biomarkers-2-gene``); ``suggestions`` maps a gene field to the
    approved symbols to offer."""

    def __init__(self, errors: dict[str, list[str]], suggestions: dict[str, tuple[str, ...]] | None = None):
        first_field, messages = next(iter(errors.items()))
        super().__init__(first_field, messages[0])
        self.errors = errors
        self.suggestions = suggestions or {}


@dataclass
class Upload:
    """A file as received: its name as the browser sent it, and its bytes."""

    filename: str
    data: bytes


@dataclass
class _Problems:
    errors: dict[str, list[str]] = field(default_factory=dict)
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise CaseInputError(self.errors, self.suggestions)


# --- Who sees what -----------------------------------------------------------

def visible_cases(user) -> sa.Select:
    """Cases the user may see: their own, and every case of a board where they hold a role.

    Other people's drafts stay out of lists (a draft is its author's working copy).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return sa.select(Case).where(sa.false())
    board_ids = user.board_ids()
    shared = sa.and_(Case.board_id.in_(board_ids), Case.status != CaseStatus.DRAFT) if board_ids else sa.false()
    return sa.select(Case).where(sa.or_(Case.submitter_id == user.id, shared))


def get_case(case_id: int, user) -> Case:
    """The case with everything its page shows, loaded in a fixed number of queries.

    Raises NotFound for an unknown id and for a case the user may not see (the same
    answer, so ids of other boards' cases reveal nothing).
    """
    case = db.session.scalar(
        sa.select(Case).where(Case.id == case_id).options(
            selectinload(Case.biomarkers), selectinload(Case.attachments), selectinload(Case.events),
        )
    )
    if case is None or not case.can_view(user):
        raise NotFound(case_id)
    return case


def record_view(case: Case, user) -> None:
    audit.record("case.view", case, user=user)


def can_create_on(board: Board, user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role(board.id, Role.CLINICIAN))


def _meeting_statuses(case: Case) -> set[MeetingStatus]:
    """Statuses of the meetings whose agenda holds the case (one query; none for a draft)."""
    if case.status is CaseStatus.DRAFT or case.id is None:
        return set()
    return set(db.session.scalars(
        sa.select(Meeting.status).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id)
    ))


def withdrawal_refusal(case: Case) -> str | None:
    """Why the case cannot be withdrawn now, or None when it can.

    A case can be withdrawn while it waits: draft, submitted, deferred, or scheduled on
    an agenda that is still open (scheduled or published). Once its meeting is in
    session, or has taken place without a decision yet, the board has it in hand.
    """
    if case.status not in WITHDRAWABLE:
        return _("This case cannot be withdrawn: it is %(status)s, and the board's record of it stays as it is.",
                 status=case.status.value)
    on_agendas = _meeting_statuses(case)
    if MeetingStatus.IN_SESSION in on_agendas:
        return _("This case cannot be withdrawn while the meeting discussing it is in session. "
                 "Ask the meeting's secretary to defer it; a deferred case can be withdrawn once the meeting is closed.")
    if case.status is CaseStatus.SCHEDULED and not on_agendas & set(OPEN_STATUSES):
        return _("This case cannot be withdrawn: the meeting it was on has taken place and the board's "
                 "decision is pending.")
    return None


def can_withdraw(case: Case, user) -> bool:
    return case.can_manage(user) and withdrawal_refusal(case) is None


def can_submit(case: Case, user) -> bool:
    return case.status is CaseStatus.DRAFT and case.can_edit(user)


def can_add_attachments(case: Case, user) -> bool:
    """Reports can be added while the case is open, also once it is on an agenda
    (the submitter, or a secretary of the board)."""
    return case.can_manage(user) and case.status not in (CaseStatus.DECIDED, CaseStatus.WITHDRAWN)


#: Statuses in which a file can still be removed: the board has not looked at the case.
ATTACHMENTS_REMOVABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED)


def attachment_removal_refusal(case: Case) -> str | None:
    """Why files of the case can no longer be removed, or None when they can."""
    if case.status not in ATTACHMENTS_REMOVABLE or MeetingStatus.IN_SESSION in _meeting_statuses(case):
        return _("Files of a case on a meeting's agenda or discussed by the board cannot be removed: "
                 "they stay as the board saw them. Attach a corrected file instead.")
    return None


def can_remove_attachments(case: Case, user) -> bool:
    return case.can_manage(user) and attachment_removal_refusal(case) is None


# --- Lists and search --------------------------------------------------------

@dataclass
class CaseFilters:
    #: "" = all but withdrawn, "all", or a CaseStatus value.
    status: str = ""
    q: str = ""


def filtered_cases(user, filters: CaseFilters, *, board: Board | None = None, mine: bool = False) -> sa.Select:
    query = visible_cases(user)
    if board is not None:
        query = query.where(Case.board_id == board.id)
    if mine:
        query = query.where(Case.submitter_id == user.id)
    if filters.status in {s.value for s in CaseStatus}:
        query = query.where(Case.status == CaseStatus(filters.status))
    elif filters.status != "all":  # the default hides withdrawn cases
        query = query.where(Case.status != CaseStatus.WITHDRAWN)
    for term in search_terms(filters.q):
        query = query.where(_matches(term))
    # Newest first: by submission, or creation for drafts.
    return query.order_by(sa.func.coalesce(Case.submitted_at, Case.created_at).desc(), Case.id.desc())


@dataclass(frozen=True)
class SearchTerm:
    """One word of a search: the text typed, and the forms it also stands for."""

    text: str
    #: "Val600Glu" for V600E / p.V600E: stored protein changes are three-letter.
    protein: str | None = None
    #: Approved symbols of an alias or previous symbol (HER2 -> ERBB2).
    genes: tuple[str, ...] = ()


_PROTEIN_SHORTHAND = re.compile(r"([A-Za-z])(\d+)([A-Za-z*]|fs|del|dup|ins[A-Za-z]*|delins[A-Za-z]*)?")
_GENE_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,39}")


def search_terms(q: str | None) -> list[SearchTerm]:
    """Split a search into words; each word must match the case somewhere.

    "V600E" and "p.V600E" also look for p.Val600Glu (the stored form); an alias such
    as HER2 also looks for its approved symbol (ERBB2).
    """
    words = [w for part in (q or "").split() for w in part.split("::") if w][:8]
    terms = []
    for word in words:
        protein = None
        bare = word[2:] if word.lower().startswith("p.") else word
        bare = bare.strip("()")
        shorthand = _PROTEIN_SHORTHAND.fullmatch(bare)
        if shorthand:
            first, position, change = shorthand.groups()
            change = change or ""
            change = change.upper() if len(change) == 1 else change.lower()
            protein = checks.protein_shorthand_to_hgvs(first.upper() + position + change)[2:].strip("()")
        genes: tuple[str, ...] = ()
        if _GENE_LIKE.fullmatch(word):
            found = check_symbol(word)
            if found.status is GeneStatus.ALIAS:
                genes = found.approved
        terms.append(SearchTerm(word, protein if protein and protein != word else None, genes))
    return terms


def _matches(term: SearchTerm):
    """Where one search word may match: reference, patient name or record number,
    diagnosis, ICD-10 code, or a biomarker's genes and HGVS changes (case-insensitive,
    the same on SQLite and PostgreSQL)."""
    like = f"%{_escape_like(term.text)}%"

    def contains(column, pattern=like):
        return column.ilike(pattern, escape="\\")

    finding = [contains(Biomarker.gene), contains(Biomarker.gene_3p), contains(Biomarker.hgvs_p),
               contains(Biomarker.hgvs_c)]
    if term.protein:
        finding.append(contains(Biomarker.hgvs_p, f"%{_escape_like(term.protein)}%"))
    if term.genes:
        finding += [Biomarker.gene.in_(term.genes), Biomarker.gene_3p.in_(term.genes)]
    biomarker = sa.select(Biomarker.id).where(Biomarker.case_id == Case.id, sa.or_(*finding))
    return sa.or_(
        contains(Case.reference), contains(Case.diagnosis), contains(Case.icd10_code),
        contains(Case.patient_name), contains(Case.patient_record_number),
        sa.exists(biomarker),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_cases(user, filters: CaseFilters, *, page: int = 1, board: Board | None = None, mine: bool = False):
    """One page of cases with their biomarkers, and the next meeting of each (by case id)."""
    query = filtered_cases(user, filters, board=board, mine=mine).options(selectinload(Case.biomarkers))
    pagination = db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    # A list shows clinical data too: record which cases were on the page.
    audit.record("case.list", None, board_id=board.id if board else None, user=user, details={
        "q": filters.q or None, "status": filters.status or None, "page": page,
        "cases": [c.reference for c in pagination.items],
    })
    return pagination, next_meetings(pagination.items)


@dataclass(frozen=True)
class NextMeeting:
    meeting: Any
    #: True while the case waits in the pool: the meeting is only proposed.
    proposed: bool


def next_meetings(cases: list[Case]) -> dict[int, NextMeeting]:
    """The upcoming meeting of each case: the one it is on, or for a case in the pool
    the one it is proposed for. A few statements for the whole page."""
    if not cases:
        return {}
    from mtb.meetings import services as meetings

    rows = db.session.execute(
        sa.select(AgendaItem.case_id, Meeting)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id.in_([c.id for c in cases]), Meeting.status.in_(OPEN_STATUSES),
               Meeting.starts_at >= utcnow())
        .order_by(Meeting.starts_at.desc())
    ).all()
    result = {case_id: NextMeeting(meeting, False) for case_id, meeting in rows}  # the earliest wins
    waiting = [c for c in cases if c.id not in result and c.status in POOL_STATUSES]
    for case_id, meeting in meetings.proposed_meetings(waiting).items():
        if meeting is not None:
            result[case_id] = NextMeeting(meeting, True)
    return result


# --- Checking a case ---------------------------------------------------------

def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def check_case_values(values: dict, problems: _Problems) -> dict:
    """Normalise the case fields; records problems for the ones that break a rule."""
    out: dict[str, Any] = {}
    for name in ("patient_record_number", "patient_name", "diagnosis", "stage", "prior_treatments", "clinical_question"):
        out[name] = _clean_text(values.get(name))
        _check_length(name, out[name], problems)
    for name, message in (
        ("patient_record_number", _("Enter the hospital record number.")),
        ("patient_name", _("Enter the patient's name.")),
    ):
        if out[name] is None:
            problems.add(name, message)
    sex = values.get("patient_sex")
    if _blank(sex):
        problems.add("patient_sex", _("Choose the patient's sex (or Unknown)."))
    else:
        try:
            out["patient_sex"] = Sex(sex)
        except ValueError:
            problems.add("patient_sex", _("Choose the patient's sex (or Unknown)."))
    birth = values.get("patient_birth_date")
    if not isinstance(birth, date):
        problems.add("patient_birth_date", _("Enter the date of birth."))
    elif birth > utcnow().date():
        problems.add("patient_birth_date", _("The date of birth is in the future."))
    elif birth.year < 1900:
        problems.add("patient_birth_date", _("Check the year of birth."))
    else:
        out["patient_birth_date"] = birth

    code = _clean_text(values.get("icd10_code"))
    out["icd10_code"] = None
    if code:
        try:
            out["icd10_code"], _description = checks.check_icd10(code)
        except InvalidInput as error:
            problems.add("icd10_code", error.message)
    morphology = _clean_text(values.get("icdo3_morphology"))
    out["icdo3_morphology"] = None
    if morphology:
        try:
            out["icdo3_morphology"] = checks.check_icdo3(morphology)
        except InvalidInput as error:
            problems.add("icdo3_morphology", error.message)

    ecog = values.get("ecog")
    out["ecog"] = None
    if not _blank(ecog):
        try:
            out["ecog"] = int(ecog)
            if not 0 <= out["ecog"] <= 4:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("ecog", _("ECOG is a number from 0 to 4."))
    prior = values.get("prior_lines")
    out["prior_lines"] = None
    if not _blank(prior):
        try:
            out["prior_lines"] = int(prior)
            if out["prior_lines"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("prior_lines", _("Enter a number of lines from 0."))
    try:
        out["urgency"] = Urgency(values.get("urgency") or Urgency.ROUTINE.value)
    except ValueError:
        problems.add("urgency", _("Choose routine or urgent."))
    consent = [c for c in (values.get("research_consent") or []) if c]
    unknown = [c for c in consent if c not in RESEARCH_COHORTS]
    other = _clean_text(values.get("research_consent_other"))
    out["research_consent"] = [c for c in RESEARCH_COHORTS if c in consent] + unknown + ([other] if other and other not in consent else [])
    out["no_molecular_report"] = bool(values.get("no_molecular_report"))
    return out


def _decimal(value) -> Decimal | None:
    """A finite number, or None when blank; InvalidOperation for anything else
    (text, NaN, Infinity: callers other than the form, like the CLI, may pass them)."""
    if _blank(value):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation(str(value))
    try:
        return number.quantize(Decimal("0.01"))  # like the columns: "1e-999999" is 0
    except InvalidOperation:
        return number  # far too large: the range check says so


def _check_gene(value: str, name: str, problems: _Problems) -> str | None:
    result = check_symbol(value)
    if result.status is GeneStatus.APPROVED:
        return result.approved[0]
    if result.status is GeneStatus.ALIAS:
        if len(result.approved) == 1:
            problems.add(name, _("%(typed)s is an alias or previous symbol of %(approved)s; use the approved HGNC symbol %(approved)s.", typed=result.typed, approved=result.approved[0]))
        else:
            problems.add(name, _("%(typed)s is an alias of several genes (%(genes)s); choose the approved HGNC symbol you mean.", typed=result.typed, genes=", ".join(result.approved)))
        problems.suggestions[name] = result.approved
        return None
    problems.add(name, _("%(typed)s is not an HGNC gene symbol (as of April 2022). Check the spelling, e.g. EGFR, ERBB2, CDKN2A.", typed=result.typed))
    return None


def check_biomarker(row: dict, prefix: str, problems: _Problems) -> dict | None:
    """Normalise one biomarker row; None for a row left blank."""
    def name(f: str) -> str:
        return f"{prefix}-{f}"

    typed = {f: row.get(f) for f in BIOMARKER_FIELDS}
    if all(_blank(v) for v in typed.values()):
        return None
    kind_value = typed["kind"]
    try:
        kind = BiomarkerKind(kind_value)
    except ValueError:
        problems.add(name("kind"), _("Choose what kind of finding this row is."))
        return None
    applies = {f for f, kinds in KIND_FIELDS.items() if kind.value in kinds}
    out: dict[str, Any] = {f: None for f in BIOMARKER_FIELDS}
    out["kind"] = kind
    for f in ("description", "assay", "specimen", "lab"):
        out[f] = _clean_text(typed[f])
        _check_length(f, out[f], problems, name(f))
    out["reported_on"] = typed["reported_on"] if isinstance(typed["reported_on"], date) else None
    if out["reported_on"] and out["reported_on"] > utcnow().date():
        problems.add(name("reported_on"), _("This date is in the future."))

    def text(f):
        return _clean_text(typed[f]) if f in applies else None

    def number(f, low, high, message):
        if f not in applies:
            return None
        try:
            value = _decimal(typed[f])
        except (InvalidOperation, ValueError):
            problems.add(name(f), _("Enter a number, e.g. 32 or 12.5 (not NaN or Infinity)."))
            return None
        if value is not None and not (low <= value <= high):
            problems.add(name(f), message)
        return value

    def choice(f, enum_cls, message):
        value = typed[f] if f in applies else None
        if _blank(value):
            return None
        try:
            return enum_cls(value)
        except ValueError:
            problems.add(name(f), message)
            return None

    if kind in (BiomarkerKind.VARIANT, BiomarkerKind.CNV, BiomarkerKind.FUSION):
        gene = text("gene")
        if gene is None:
            problems.add(name("gene"), _("Enter the gene (HGNC symbol)."))
        else:
            out["gene"] = _check_gene(gene, name("gene"), problems)
    if kind is BiomarkerKind.VARIANT:
        transcript, hgvs_c, hgvs_p = text("transcript"), text("hgvs_c"), text("hgvs_p")
        if transcript:
            try:
                out["transcript"] = checks.check_transcript(transcript)
            except InvalidInput as error:
                problems.add(name("transcript"), error.message)
        if hgvs_c:
            try:
                out["hgvs_c"] = checks.check_hgvs_c(hgvs_c)
            except InvalidInput as error:
                problems.add(name("hgvs_c"), error.message)
        if hgvs_p:
            try:
                out["hgvs_p"] = checks.check_hgvs_p(hgvs_p)
            except InvalidInput as error:
                problems.add(name("hgvs_p"), error.message)
        for f in ("hgvs_c", "hgvs_p"):
            _check_length(f, out[f], problems, name(f))
        if not hgvs_c and not hgvs_p:
            problems.add(name("hgvs_p"), _("Give the protein change (p.), the coding change (c.), or both."))
        out["vaf"] = number("vaf", 0, 100, _("A VAF is between 0 and 100 %."))
    elif kind is BiomarkerKind.CNV:
        out["cnv_type"] = choice("cnv_type", CnvType, _("Choose gain, amplification, loss or deletion."))
        if out["cnv_type"] is None and name("cnv_type") not in problems.errors:
            problems.add(name("cnv_type"), _("Choose gain, amplification, loss or deletion."))
        out["copy_number"] = number("copy_number", 0, 9999, _("Enter a number of copies from 0."))
    elif kind is BiomarkerKind.FUSION:
        partner = text("gene_3p")
        if partner is None:
            problems.add(name("gene_3p"), _("Enter the 3′ partner gene (HGNC symbol)."))
        else:
            out["gene_3p"] = _check_gene(partner, name("gene_3p"), problems)
    elif kind is BiomarkerKind.TMB:
        out["tmb"] = number("tmb", 0, 99999, _("TMB is 0 or more mutations per megabase."))
        if out["tmb"] is None:
            problems.add(name("tmb"), _("Enter the TMB in mutations per megabase."))
    elif kind is BiomarkerKind.MSI:
        out["msi_status"] = choice("msi_status", MsiStatus, _("Choose MSI-H, MSI-L or MSS."))
        if out["msi_status"] is None and name("msi_status") not in problems.errors:
            problems.add(name("msi_status"), _("Choose MSI-H, MSI-L or MSS."))
    elif kind is BiomarkerKind.PDL1:
        out["pdl1_tps"] = number("pdl1_tps", 0, 100, _("TPS is between 0 and 100 %."))
        out["pdl1_cps"] = number("pdl1_cps", 0, 100, _("CPS is between 0 and 100."))
        out["pdl1_ic"] = number("pdl1_ic", 0, 100, _("IC is between 0 and 100 %."))
        if out["pdl1_tps"] is None and out["pdl1_cps"] is None and out["pdl1_ic"] is None:
            problems.add(name("pdl1_tps"), _("Give at least one PD-L1 score: TPS, CPS or IC."))
    elif kind is BiomarkerKind.HRD:
        out["hrd_status"] = choice("hrd_status", HrdStatus, _("Choose positive, negative or inconclusive."))
        if out["hrd_status"] is None and name("hrd_status") not in problems.errors:
            problems.add(name("hrd_status"), _("Choose positive, negative or inconclusive."))
        out["hrd_score"] = number("hrd_score", 0, 9999, _("A score is 0 or more."))
    elif kind is BiomarkerKind.OTHER and out["description"] is None:
        problems.add(name("description"), _("Describe the finding."))
    return out


def missing_for_submission(values: dict, biomarker_count: int) -> dict[str, str]:
    """What a submitted case must have that the values lack, by field name."""
    missing = {}
    if not values.get("diagnosis"):
        missing["diagnosis"] = _("Enter the diagnosis: the board needs it to discuss the case.")
    if not values.get("icd10_code"):
        missing["icd10_code"] = _("Enter the ICD-10 code of the diagnosis.")
    if not values.get("clinical_question"):
        missing["clinical_question"] = _("Write the question you ask the board.")
    if biomarker_count == 0 and not values.get("no_molecular_report"):
        missing["no_molecular_report"] = _("Add at least one biomarker, or tick “No molecular report yet” if you ask the board which tests to order.")
    return missing


def _check_form(values: dict, rows: list[dict], *, complete: bool) -> tuple[dict, list[tuple[dict, dict]]]:
    problems = _Problems()
    clean = check_case_values(values, problems)
    checked = []
    for position, row in enumerate(rows):
        prefix = row.get("_prefix") or f"biomarkers-{position}"
        out = check_biomarker(row, prefix, problems)
        if out is not None:
            checked.append((row, out))
    if complete:
        for name, message in missing_for_submission(clean, len(checked)).items():
            if name not in problems.errors:
                problems.add(name, message)
    problems.raise_if_any()
    return clean, checked


def check_case_form(values: dict, rows: list[dict], *, complete: bool) -> None:
    """Raise CaseInputError with every rule the values break (nothing is written)."""
    _check_form(values, rows, complete=complete)


def sort_uploads(uploads: list[Upload]) -> tuple[list, list[str]]:
    """Check each file: (the files that pass, a message for each one that does not)."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload.filename, upload.data, limit))
        except InvalidInput as error:
            problems.append(error.message)
    return checked, problems


def _check_uploads(uploads: list[Upload], field_name: str) -> list:
    checked, messages = sort_uploads(uploads)
    if messages:
        raise CaseInputError({field_name: messages})
    return checked


# --- Saving ----------------------------------------------------------------

def _apply(case: Case, clean: dict, checked: list[tuple[dict, dict]]) -> None:
    for name in CASE_FIELDS:
        value = clean.get(name)
        if name in ("diagnosis", "icd10_code", "clinical_question") and value is None:
            value = ""  # a draft may leave them empty; the columns hold text
        setattr(case, name, value)
    existing = {b.id: b for b in case.biomarkers}
    kept: list[Biomarker] = []
    for position, (row, out) in enumerate(checked):
        raw_id = str(row.get("biomarker_id") or "")
        biomarker = existing.pop(int(raw_id), None) if raw_id.isdigit() else None
        if biomarker is None:
            biomarker = Biomarker()
        for name, value in out.items():
            setattr(biomarker, name, value)
        biomarker.position = position
        kept.append(biomarker)
    # Rows kept their ids, so links to them (a decision's targeted biomarker) survive edits.
    case.biomarkers = kept


def create_case(board: Board, user, values: dict, rows: list[dict], uploads: list[Upload] = (), *,
                submit: bool = False) -> Case:
    """Create a draft (or submit it at once). Raises NotAllowed, CaseInputError."""
    if not can_create_on(board, user):
        raise NotAllowed(_("Only clinicians of %(board)s can submit cases to it.", board=board.name))
    clean, checked = _check_form(values, rows, complete=submit)
    files = _check_uploads(list(uploads), "report_files")
    case = Case(reference=next_reference(board), board=board, submitter=user, status=CaseStatus.DRAFT)
    _apply(case, clean, checked)
    db.session.add(case)
    change_status(case, CaseStatus.DRAFT, user, None)
    db.session.flush()
    audit.record("case.create", case, user=user, details={"reference": case.reference})
    _attach_files(case, user, files, None)
    if submit:
        _submit(case, user)
    db.session.flush()
    return case


def update_case(case: Case, user, values: dict, rows: list[dict], uploads: list[Upload] = (), *,
                expected_version: int | str | None, submit: bool = False) -> Case:
    """Save an edited case. A form loaded from an older version raises ConflictError
    (nothing is written); a submitted case must stay complete."""
    if not case.can_manage(user):
        raise NotAllowed(_("Only the case's submitter, or once it is submitted a secretary of the board, can change it."))
    if not case.can_edit(user):
        raise NotAllowed(_("This case can no longer be edited (it is %(status)s).", status=case.status.value))
    if str(expected_version) != str(case.version):
        raise ConflictError(_("Someone saved this case since you opened it."))
    complete = submit or case.status is not CaseStatus.DRAFT
    clean, checked = _check_form(values, rows, complete=complete)
    files = _check_uploads(list(uploads), "report_files")
    _apply(case, clean, checked)
    # Always write the case row, so its version moves even when only biomarkers changed.
    case.updated_at = utcnow()
    add_event(case, "edited", user)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(_("Someone saved this case while you were saving it.")) from error
    audit.record("case.update", case, user=user)
    _attach_files(case, user, files, None)
    if submit and case.status is CaseStatus.DRAFT:
        _submit(case, user)
    db.session.flush()
    return case


def submit_case(case: Case, user) -> Case:
    """Submit a complete draft to its board. Raises NotAllowed, CaseInputError."""
    if not can_submit(case, user):
        raise NotAllowed(_("Only a draft can be submitted, by its author."))
    missing = missing_for_submission(values_of(case), len(case.biomarkers))
    if missing:
        raise CaseInputError({k: [v] for k, v in missing.items()})
    _submit(case, user)
    db.session.flush()
    return case


def values_of(case: Case) -> dict:
    return {name: getattr(case, name) or None for name in CASE_FIELDS}


def _submit(case: Case, user) -> None:
    change_status(case, CaseStatus.SUBMITTED, user)
    audit.record("case.submit", case, user=user)
    db.session.flush()
    # The case waits in the board's pool, proposed for the next meeting whose cut-off has
    # not passed; the secretary puts it on that agenda (the meetings part).
    from mtb.meetings import services as meetings

    meetings.propose_for_next_meeting(case, user=user)


def withdraw_case(case: Case, user, reason: str | None = None) -> Case:
    if not case.can_manage(user):
        raise NotAllowed(_("Only the case's submitter, or once it is submitted a secretary of the board, can change it."))
    refusal = withdrawal_refusal(case)
    if refusal is not None:
        raise NotAllowed(refusal)
    change_status(case, CaseStatus.WITHDRAWN, user, _clean_text(reason))
    audit.record("case.withdraw", case, user=user, details={"reason": _clean_text(reason)})
    db.session.flush()
    from mtb.meetings import services as meetings

    meetings.remove_withdrawn_case(case, user=user)
    return case


# --- Attachments -----------------------------------------------------------

def _attach(case: Case, user, checked, description: str | None) -> Attachment:
    attachment = Attachment(
        case=case, filename=checked.filename, file_type=checked.file_type, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, data=checked.data, uploaded_by_id=user.id,
        description=_clean_text(description),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record("attachment.upload", attachment, board_id=case.board_id, user=user,
                 details={"case": case.reference, "filename": checked.filename, "sha256": checked.sha256})
    return attachment


def add_attachments(case: Case, user, uploads: list[Upload], description: str | None = None) -> list[Attachment]:
    """Attach files from the case page. Raises NotAllowed, CaseInputError (field ``files``)."""
    if not can_add_attachments(case, user):
        raise NotAllowed(_("You cannot add files to this case."))
    if not uploads:
        raise CaseInputError({"files": [_("Choose at least one file.")]})
    files = _check_uploads(uploads, "files")
    attachments = _attach_files(case, user, files, description)
    db.session.flush()
    return attachments


def _attach_files(case: Case, user, files: list, description: str | None) -> list[Attachment]:
    """Attach checked files with one "File attached" entry on the timeline, however
    they came (the case form or the case page)."""
    attachments = [_attach(case, user, f, description) for f in files]
    if attachments:
        add_event(case, "attachment_added", user, ", ".join(a.filename for a in attachments)[:300])
    return attachments


def get_attachment(case_id: int, attachment_id: int, user, *, with_data: bool = False) -> Attachment:
    """An attachment of a case the user may see; NotFound otherwise."""
    query = sa.select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case_id)
    if with_data:
        query = query.options(undefer(Attachment.data))
    attachment = db.session.scalar(query)
    if attachment is None or not attachment.case.can_view(user):
        raise NotFound(attachment_id)
    return attachment


def record_download(attachment: Attachment, user) -> None:
    audit.record("attachment.download", attachment, board_id=attachment.case.board_id, user=user,
                 details={"case": attachment.case.reference, "filename": attachment.filename})


def remove_attachment(attachment: Attachment, user) -> None:
    case = attachment.case
    if not case.can_manage(user):
        raise NotAllowed(_("You cannot remove files from this case."))
    refusal = attachment_removal_refusal(case)
    if refusal is not None:
        raise NotAllowed(refusal)
    audit.record("attachment.remove", attachment, board_id=case.board_id, user=user,
                 details={"case": case.reference, "filename": attachment.filename, "sha256": attachment.sha256})
    add_event(case, "attachment_removed", user, attachment.filename[:300])
    db.session.delete(attachment)
    db.session.flush()


# --- Panels for other pages ------------------------------------------------

def home_section(user) -> dict | None:
    """"My drafts" and the status of my latest cases; a "New case" link for clinicians."""
    if not user.is_authenticated:
        return None
    clinician_boards = user.board_ids(Role.CLINICIAN)
    mine = (
        sa.select(Case).where(Case.submitter_id == user.id)
        .options(selectinload(Case.biomarkers))
    )
    drafts = list(db.session.scalars(
        mine.where(Case.status == CaseStatus.DRAFT).order_by(Case.updated_at.desc()).limit(10)
    ))
    recent = list(db.session.scalars(
        mine.where(Case.status != CaseStatus.DRAFT).order_by(Case.updated_at.desc(), Case.id.desc()).limit(10)
    ))
    if not (drafts or recent or clinician_boards):
        return None
    return {
        "template": "cases/_home.html",
        "drafts": drafts,
        "recent": recent,
        "can_create": bool(clinician_boards),
    }
