"""Changing cases: creating, saving, submitting, withdrawing, attaching and removing files,
and the audit of what was read.

Services flush; the request (or CLI, or job) commits. Each one checks the permission the
view checks (``Case.can_*``) and raises NotAllowed with the reason; form problems raise
``CaseInputError`` (every problem of the form at once, keyed by form field name).
Other parts hear of a submission or a withdrawal through ``mtb.signals``.
"""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from mtb import signals
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.cases.lifecycle import add_event, change_status
from mtb.cases.models import Attachment, Biomarker, Case, CaseStatus, MolecularReport
from mtb.cases.queries import CaseFilters
from mtb.cases.references import next_reference
from mtb.cases.uploads import CheckedFile, Upload
from mtb.cases.validation import CaseInputError, CheckedForm, check_form, check_uploads, missing_to_submit
from mtb.cases.vocab import CASE_FIELDS, IMPORTED_FIELDS
from mtb.db import utcnow
from mtb.errors import ConflictError, NotAllowed
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.text import clean_text

# --- Reads worth recording ----------------------------------------------------

def record_view(case: Case) -> None:
    """The case was shown (its page, its form): kept even if the page refuses the request."""
    audit.record_read("case.view", case)


def record_list(user, filters: CaseFilters, page: int | str, board: Board | None, cases: list[Case]) -> None:
    """A list shows clinical data too: record which cases were on the page."""
    audit.record_read("case.list", None, board_id=board.id if board else None, user=user, details={
        "q": filters.q or None, "status": filters.status or None, "page": page,
        "cases": [c.reference for c in cases],
    })


def record_download(attachment: Attachment, user) -> None:
    audit.record_read("attachment.download", attachment, board_id=attachment.case.board_id, user=user,
                 details={"case": attachment.case.reference, "filename": attachment.filename})


# --- Saving ----------------------------------------------------------------

def apply_values(case: Case, checked: CheckedForm) -> None:
    """Write a checked form (``validation.check_form``) onto the case, its reports and its
    biomarker rows. Reports and rows keep their ids, so links to them (a decision's
    targeted biomarker) survive edits."""
    # Loading the reports and rows must not flush the half-written case: that would move
    # its version twice for one save.
    with db.session.no_autoflush:
        _apply(case, checked)


def _apply(case: Case, checked: CheckedForm) -> None:
    for name in CASE_FIELDS:
        value = checked.values.get(name)
        if name in ("diagnosis", "icd10_code", "clinical_question") and value is None:
            value = ""  # a draft may leave them empty; the columns hold text
        setattr(case, name, value)
    by_key = _apply_reports(case, checked)
    existing = {b.id: b for b in case.biomarkers}
    kept: list[Biomarker] = []
    for position, (row, out) in enumerate(checked.rows):
        biomarker = _existing(existing, row.get("biomarker_id")) or Biomarker()
        if biomarker.source_file is not None and _changes_imported_values(biomarker, out):
            # The row no longer says what the file's record says: it stops naming the file.
            biomarker.source_file = biomarker.source_sha256 = biomarker.source_line = None
        for name, value in out.items():
            if name != "report":
                setattr(biomarker, name, value)
        biomarker.report = by_key.get(out["report"]) if out["report"] else None
        biomarker.position = position
        kept.append(biomarker)
    case.biomarkers = kept


def _changes_imported_values(biomarker: Biomarker, out: dict) -> bool:
    """Whether the checked row changes a value a VCF import read from the file."""
    return any(_differ(getattr(biomarker, name), out.get(name)) for name in IMPORTED_FIELDS)


def _differ(stored, typed) -> bool:
    # Blank text and None are the same to the form; numbers compare by value (41.6000 is 41.6).
    return (stored if stored != "" else None) != (typed if typed != "" else None)


def _existing(rows: dict, raw_id) -> object | None:
    raw_id = str(raw_id or "")
    return rows.pop(int(raw_id), None) if raw_id.isascii() and raw_id.isdigit() else None


def _apply_reports(case: Case, checked: CheckedForm) -> dict[str, MolecularReport]:
    existing = {r.id: r for r in case.reports}
    by_key: dict[str, MolecularReport] = {}
    for position, (key, (typed, out)) in enumerate(checked.reports.items()):
        report = _existing(existing, typed.get("report_id")) or MolecularReport()
        for name, value in out.items():
            setattr(report, name, value)
        report.position = position
        by_key[key] = report
    case.reports = list(by_key.values())
    return by_key


def create_case(board: Board, user, values: dict, rows: list[dict], uploads: list[Upload] = (), *,
                submit: bool = False, reports: list[dict] = ()) -> Case:
    """Create a draft (or submit it at once). Raises NotAllowed, CaseInputError."""
    if not Case.can_create(user, board):
        raise NotAllowed(_("Only clinicians of %(board)s can submit cases to it.", board=board.name))
    checked = check_form(values, rows, complete=submit, reports=reports)
    files = check_uploads(list(uploads), "report_files")
    case = Case(reference=next_reference(board), board=board, submitter=user, status=CaseStatus.DRAFT)
    apply_values(case, checked)
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
                expected_version: int | str | None, submit: bool = False, reports: list[dict] = ()) -> Case:
    """Save an edited case. A form loaded from an older version raises ConflictError
    (nothing is written); a submitted case must stay complete."""
    if not case.can_manage(user):
        raise NotAllowed(_("Only the case's submitter, or once it is submitted a secretary of the board, can change it."))
    if not case.can_edit(user):
        raise NotAllowed(case.edit_refusal())  # can_manage held above: the refusal says why
    if str(expected_version) != str(case.version):
        raise ConflictError(_("Someone saved this case since you opened it."))
    complete = submit or not case.is_draft
    checked = check_form(values, rows, complete=complete, reports=reports)
    files = check_uploads(list(uploads), "report_files")
    before = _snapshot(case)
    apply_values(case, checked)
    # Always write the case row, so its version moves even when only biomarkers changed.
    case.updated_at = utcnow()
    add_event(case, "edited", user)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(_("Someone saved this case while you were saving it.")) from error
    audit.record("case.update", case, user=user, details=_changes(before, _snapshot(case)))
    _attach_files(case, user, files, None)
    if submit and case.is_draft:
        _submit(case, user)
    db.session.flush()
    return case


#: A finding's columns that say nothing of the finding itself.
_FINDING_BOOKKEEPING = ("id", "case_id", "position")


def _snapshot(case: Case) -> tuple[dict, dict]:
    """The case's fields and each finding's values (by id), to tell what a save changed."""
    columns = [c.key for c in Biomarker.__table__.columns if c.key not in _FINDING_BOOKKEEPING]
    return ({name: getattr(case, name) for name in CASE_FIELDS},
            {b.id: tuple(getattr(b, name) for name in columns) for b in case.biomarkers if b.id is not None})


def _changes(before: tuple[dict, dict], after: tuple[dict, dict]) -> dict:
    """What a save changed, for the audit trail: the names of the case's fields (not their
    values: the trail is no copy of the record) and how many findings were added, removed
    or changed."""
    fields = [name for name in before[0] if before[0][name] != after[0].get(name)]
    old, new = before[1], after[1]
    findings = {"added": len(new.keys() - old.keys()), "removed": len(old.keys() - new.keys()),
                "changed": sum(1 for key in old.keys() & new.keys() if old[key] != new[key])}
    return {"fields": fields, "findings": {k: n for k, n in findings.items() if n}}


def submit_case(case: Case, user) -> Case:
    """Submit a complete draft to its board. Raises NotAllowed, CaseInputError."""
    if not case.can_submit(user):
        raise NotAllowed(_("Only a draft can be submitted, by its author."))
    missing = missing_to_submit(case)
    if missing:
        raise CaseInputError({k: [v] for k, v in missing.items()})
    _submit(case, user)
    db.session.flush()
    return case


def _submit(case: Case, user) -> None:
    change_status(case, CaseStatus.SUBMITTED, user)
    audit.record("case.submit", case, user=user)
    db.session.flush()
    # The case waits in the board's pool, proposed for the next meeting whose cut-off has
    # not passed; the secretary puts it on that agenda (the meetings part listens).
    signals.case_submitted.send(case, user=user, now=utcnow())


def withdraw_case(case: Case, user, reason: str | None = None) -> Case:
    """Withdraw a waiting case; it leaves any open agenda. Raises NotAllowed with the reason."""
    if not case.can_manage(user):
        raise NotAllowed(_("Only the case's submitter, or once it is submitted a secretary of the board, can change it."))
    refusal = case.withdrawal_refusal()
    if refusal is not None:
        raise NotAllowed(refusal)
    reason = clean_text(reason)
    change_status(case, CaseStatus.WITHDRAWN, user, reason)
    audit.record("case.withdraw", case, user=user, details={"reason": reason})
    db.session.flush()
    signals.case_withdrawn.send(case, user=user)
    return case


# --- Attachments -----------------------------------------------------------

def attach_file(case: Case, user, checked: CheckedFile, description: str | None) -> Attachment:
    """Store one checked file on the case (no timeline entry: see ``add_attachments``)."""
    attachment = Attachment(
        case=case, filename=checked.filename, file_type=checked.file_type, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, data=checked.data, uploaded_by_id=user.id,
        description=clean_text(description),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record("attachment.upload", attachment, board_id=case.board_id, user=user,
                 details={"case": case.reference, "filename": checked.filename, "sha256": checked.sha256})
    return attachment


def add_attachments(case: Case, user, uploads: list[Upload], description: str | None = None) -> list[Attachment]:
    """Attach files from the case page. Raises NotAllowed, CaseInputError (field ``files``)."""
    if not case.can_add_attachments(user):
        raise NotAllowed(_("You cannot add files to this case."))
    if not uploads:
        raise CaseInputError({"files": [_("Choose at least one file.")]})
    files = check_uploads(uploads, "files")
    attachments = _attach_files(case, user, files, description)
    db.session.flush()
    return attachments


def _attach_files(case: Case, user, files: list[CheckedFile], description: str | None) -> list[Attachment]:
    """Attach checked files with one "File attached" entry on the timeline, however
    they came (the case form or the case page)."""
    attachments = [attach_file(case, user, f, description) for f in files]
    if attachments:
        add_event(case, "attachment_added", user, ", ".join(a.filename for a in attachments)[:300])
    return attachments


def remove_attachment(attachment: Attachment, user) -> None:
    """Remove a file the board has not seen yet. Raises NotAllowed with the reason."""
    case = attachment.case
    if not case.can_manage(user):
        raise NotAllowed(_("You cannot remove files from this case."))
    refusal = case.attachment_removal_refusal()
    if refusal is not None:
        raise NotAllowed(refusal)
    audit.record("attachment.remove", attachment, board_id=case.board_id, user=user,
                 details={"case": case.reference, "filename": attachment.filename, "sha256": attachment.sha256})
    add_event(case, "attachment_removed", user, attachment.filename[:300])
    db.session.delete(attachment)
    db.session.flush()
