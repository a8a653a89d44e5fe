"""Between the case form and the domain's values: filling the form from a case, reading
the typed values back (case, reports, rows), putting every problem, warning and note
next to its field, and the form's own buttons (add or remove a row or a report, take an
approved symbol, split a fusion typed as one gene)."""

from __future__ import annotations

from decimal import Decimal

from mtb.cases import checks
from mtb.cases.biomarker_labels import number, report_label
from mtb.cases.forms import CaseForm
from mtb.cases.gene_checks import obvious_driver
from mtb.cases.models import BiomarkerKind, Case
from mtb.cases.problems import CaseInputError
from mtb.cases.vocab import BIOMARKER_FIELDS, CASE_FIELDS, REPORT_FIELDS, RESEARCH_COHORTS
from mtb.i18n import gettext as _


def _shown(value):
    """A stored value as its field shows it: enums by value, 32.00 as 32, lists as lists."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, Decimal):
        return Decimal(number(value))
    return value


def fill_from_case(form: CaseForm, case: Case) -> None:
    form.version.data = str(case.version)
    form.patient_sex.data = case.patient_sex.value
    form.urgency.data = case.urgency.value
    form.ecog.data = "" if case.ecog is None else str(case.ecog)
    form.icd10_confirmed.data = checks.outside_neoplasms(case.icd10_code)
    consent = case.research_consent or []
    form.research_consent.data = [c for c in consent if c in RESEARCH_COHORTS]
    form.research_consent_other.data = ", ".join(c for c in consent if c not in RESEARCH_COHORTS)
    form.germline_consent.data = case.germline_consent.value if case.germline_consent else ""
    while len(form.reports.entries):
        form.reports.pop_entry()
    keys = {}
    for report in case.reports:
        entry = form.reports.append_entry()
        entry.form.report_id.data = str(report.id)
        for name in REPORT_FIELDS:
            entry.form[name].data = _shown(getattr(report, name))
        keys[report.id] = entry.name
    while len(form.biomarkers.entries):
        form.biomarkers.pop_entry()
    for biomarker in case.biomarkers:
        sub = form.biomarkers.append_entry().form
        sub.biomarker_id.data = str(biomarker.id)
        for name in BIOMARKER_FIELDS:
            if name != "report":
                sub[name].data = _shown(getattr(biomarker, name))
        sub.report.data = keys.get(biomarker.report_id, "")
        if biomarker.driver is not None and biomarker.driver.value == obvious_driver(biomarker.gene, biomarker.gene_3p):
            # The app chose it ("known driver"): left to choose again, so that swapping the
            # partners (after the order warning) moves the driver with the gene.
            sub.driver.data = ""
        sub.not_detected.data = ", ".join(biomarker.not_detected or [])
        sub.mmr_lost.data = list(biomarker.mmr_lost or [])
        if biomarker.protein_reference and biomarker.hgvs_p:
            # The protein reference is kept with its change: shown as pasted, saved back the same.
            sub.hgvs_p.data = f"{biomarker.protein_reference}:{biomarker.hgvs_p}"
    if not case.reports:
        form.reports.append_entry()
    if not case.biomarkers:
        new_row(form)


def new_row(form: CaseForm) -> None:
    """A fresh row, from the first report (the one most rows come from); none past the
    limit (the page says so beside the button)."""
    if form.biomarkers.at_limit:
        return
    entry = form.biomarkers.append_entry()
    if form.reports.entries:
        entry.form.report.data = form.reports.entries[0].name


def new_report(form: CaseForm) -> None:
    """A fresh report card; none past the limit (the page says so beside the button)."""
    if not form.reports.at_limit:
        form.reports.append_entry()


def form_values(form: CaseForm) -> tuple[dict, list[dict], list[dict]]:
    """(case values, reports, rows) as the services take them; each keeps its form name."""
    values = {name: form[name].data for name in CASE_FIELDS if name in form}
    values["research_consent_other"] = form.research_consent_other.data
    values["icd10_confirmed"] = form.icd10_confirmed.data
    reports = []
    for entry in form.reports.entries:
        report = {name: entry.form[name].data for name in REPORT_FIELDS}
        report.update(report_id=entry.form.report_id.data, _prefix=entry.name)
        reports.append(report)
    rows = []
    for entry in form.biomarkers.entries:
        row = {name: entry.form[name].data for name in BIOMARKER_FIELDS}
        row.update(biomarker_id=entry.form.biomarker_id.data, _prefix=entry.name)
        rows.append(row)
    return values, reports, rows


def with_refused_text(form: CaseForm, rows: list[dict]) -> None:
    """A finding's field the form refused (CPS ">100") holds the text typed, not None, in
    ``rows``: the domain checks then see it was given and refused, not left blank (a PD-L1
    row would also be asked for "at least one result" next to the TPS left out on purpose)."""
    for row, entry in zip(rows, form.biomarkers.entries):
        for name in BIOMARKER_FIELDS:
            field = entry.form[name]
            if field.errors and field.raw_data:
                row[name] = field.raw_data[0]


def set_report_choices(form: CaseForm, template_row=None) -> list[tuple[str, str]]:
    """Every row chooses among the form's reports, named as the report cards are."""
    choices = [("", _("— no report —"))] + [
        (entry.name, report_label(entry.form, number=index)) for index, entry in enumerate(form.reports.entries, 1)]
    for sub in [entry.form for entry in form.biomarkers.entries] + ([template_row] if template_row else []):
        sub.report.choices = choices
    return choices


def all_fields(form: CaseForm) -> dict:
    fields = {f.name: f for f in form}
    for entry in form.reports.entries + form.biomarkers.entries:
        fields.update({sub.name: sub for sub in entry.form})
    return fields


def field_labels(form: CaseForm) -> dict[str, str]:
    """Field name -> the label a reader finds it by ("Finding 2 · HGVS c.", "Report 1 · Site")."""
    labels = {f.name: str(f.label.text) for f in form if f.type not in ("FieldList", "CSRFTokenField", "HiddenField")}
    for number_, entry in enumerate(form.reports.entries, start=1):
        for sub in entry.form:
            labels[sub.name] = _("Report %(n)d", n=number_) + " · " + str(sub.label.text)
    for number_, entry in enumerate(form.biomarkers.entries, start=1):
        for sub in entry.form:
            labels[sub.name] = _("Finding %(n)d", n=number_) + " · " + str(sub.label.text)
    return labels


def attach_errors(form: CaseForm, error: CaseInputError, only_fields_without_errors: bool = False) -> None:
    fields = all_fields(form)
    form.general_errors = []
    # A problem of the reports or the rows as a whole (too many) stands beside their add button.
    form.list_errors = {}
    for name, messages in error.errors.items():
        target = fields.get(name)
        if name in (form.reports.name, form.biomarkers.name):
            form.list_errors[name] = list(messages)
        elif target is None:
            form.general_errors.extend(messages)
        elif not (only_fields_without_errors and target.errors):
            target.errors = list(target.errors or []) + messages
    # Warnings and notes stand beside their fields (the macro shows them); they refuse nothing.
    for attribute, where in (("warnings", error.warnings), ("notes", error.notes)):
        for name, messages in where.items():
            if name in fields:
                setattr(fields[name], attribute, list(messages))
    form.suggestions = error.suggestions
    form.splits = error.splits


def has_errors(form: CaseForm) -> bool:
    if getattr(form, "general_errors", None) or getattr(form, "list_errors", None):
        return True
    return any(f.errors for f in all_fields(form).values() if not isinstance(f.errors, dict))


def drop_blank_errors(form: CaseForm) -> None:
    """A row or report left entirely blank is dropped on save, so its shape errors do not count."""
    for field_list in (form.reports, form.biomarkers):
        for entry in field_list.entries:
            if entry.form.is_blank():
                for sub in entry.form:
                    sub.errors = []
        entry_errors = [entry.errors for entry in field_list.entries]
        field_list.errors = entry_errors if any(entry_errors) else []


def _posted_entry(form: CaseForm, name: str):
    """The entry a button names by its posted name ("biomarkers-2"), whatever it is called now."""
    for field_list in (form.reports, form.biomarkers):
        if field_list.posted and name in field_list.posted:
            return field_list, field_list.posted[name]
    return None, None


def remove_entry(form: CaseForm, name: str) -> None:
    """Remove a row ("biomarkers-2") or a report ("reports-1"); rows of a removed report keep none."""
    field_list, removed = _posted_entry(form, name)
    if removed is None or removed not in field_list.entries:
        return
    field_list.entries.remove(removed)
    if field_list is form.reports:
        for entry in form.biomarkers.entries:
            if entry.form.report.data == removed.name:
                entry.form.report.data = ""
    elif not form.biomarkers.entries:
        new_row(form)


def _row_field(form: CaseForm, field_name: str):
    """The row and the gene field a button names ("biomarkers-2-gene"), by the posted name."""
    row_name, _sep, short_name = field_name.rpartition("-")
    field_list, entry = _posted_entry(form, row_name)
    if entry is None or field_list is not form.biomarkers or short_name not in ("gene", "gene_3p"):
        return None, None
    return entry.form, entry.form[short_name]


def _set(sub, value: str) -> None:
    sub.data = value
    sub.raw_data = [value]


def use_symbol(form: CaseForm, spec: str) -> None:
    """"biomarkers-2-gene=ERBB2": replace the typed alias by the approved symbol."""
    field_name, _sep, symbol = spec.partition("=")
    _row, sub = _row_field(form, field_name)
    if sub is not None:
        _set(sub, symbol.strip()[:40])


def split_fusion(form: CaseForm, spec: str) -> None:
    """"biomarkers-2-gene=EML4::ALK": the row becomes a fusion of the two partners."""
    field_name, _sep, partners = spec.partition("=")
    row, sub = _row_field(form, field_name)
    five, _sep, three = partners.partition("::")
    if row is None or sub.short_name != "gene" or not five or not three:
        return
    _set(row.kind, BiomarkerKind.FUSION.value)
    _set(row.gene, five.strip()[:40])
    _set(row.gene_3p, three.strip()[:40])
