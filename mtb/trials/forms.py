"""Forms of the trial registry: they carry what was typed; the rules are in ``validation``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from mtb.i18n import lazy_gettext as _l
from mtb.trials.models import MolecularLogic, TrialStatus
from mtb.trials.registrations import TRIAL_PHASES
from mtb.widgets import SelectField


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class _Boards(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TrialForm(FlaskForm):
    #: The trial's version the form was loaded with (optimistic locking).
    version = HiddenField()
    registry_ids = StringField(
        _l("Registry ids"),
        description=_l("One or more, separated by commas: NCT04613596, EU CT 2023-503456-39-00, EudraCT "
                       "2015-001234-56, ID-RCB 2019-A01234-56; the hospital's code may follow."))
    title = StringField(_l("Title"))
    acronym = StringField(_l("Acronym (optional)"))
    phase = SelectField(_l("Phase"), choices=_options([("", "—")] + list(TRIAL_PHASES.items())), validate_choice=False)
    status = SelectField(_l("Status at this hospital"), validate_choice=False,
                         choices=_options([(s.value, s.label) for s in TrialStatus]))
    boards = _Boards(_l("Boards that may propose it"), choices=[], validate_choice=False, coerce=str)
    investigator = StringField(_l("Local investigator"))
    contact = StringField(_l("Contact"), description=_l("The trial team: research nurse, phone, e-mail."))
    sponsor = StringField(_l("Sponsor (optional)"))
    conditions = StringField(_l("Conditions (as the registry words them)"))
    alterations = TextAreaField(
        _l("Genes, variants, fusions"), render_kw={"rows": 4},
        description=_l("One per line: BRAF p.V600E, BRAF V600 (any change at the codon), EGFR exon 20 (any change "
                       "in the exon), EGFR exon 20 insertion, EGFR exon 19 deletion, MET exon 14 skipping, ALK fusion, "
                       "MET amplification, KRAS mutation, or a gene alone for any alteration."))
    molecular_logic = SelectField(_l("The molecular criteria needed"), validate_choice=False,
                                  choices=_options([(m.value, m.label) for m in MolecularLogic]))
    tmb_min = StringField(_l("TMB at least (mut/Mb)"))
    requires_msi_high = BooleanField(_l("MSI-H or dMMR"))
    pdl1_tps_min = StringField(_l("PD-L1 TPS at least (%)"))
    requires_hrd = BooleanField(_l("HRD positive"))
    icd10_ranges = StringField(_l("Diagnoses (ICD-10)"),
                               description=_l("Codes or ranges, separated by commas, e.g. C34, C43-C44. Empty: any "
                                              "tumour."))
    age_min = StringField(_l("Minimum age (years)"))
    age_max = StringField(_l("Maximum age (years)"), description=_l("e.g. 17 for a paediatric trial."))
    prior_lines_min = StringField(_l("Prior lines, at least"))
    prior_lines_max = StringField(_l("Prior lines, at most"), description=_l("0 for a first-line trial."))
    eligibility_text = TextAreaField(_l("Eligibility as registered (for reading)"), render_kw={"rows": 4})

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.boards.choices = _options([(str(b.id), b.name) for b in boards])

    def values(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "boards", "version")}

    def attach_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            target = getattr(self, name, None)
            if target is not None:
                target.errors = list(target.errors) + list(messages)


class ImportForm(FlaskForm):
    file = FileField(_l("ClinicalTrials.gov study record (JSON)"),
                     description=_l("Saved from the registry: https://clinicaltrials.gov/api/v2/studies/NCT… "
                                    "(one study, or a page of search results)."))
    boards = _Boards(_l("Boards that may propose new trials"), choices=[], validate_choice=False, coerce=str)

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.boards.choices = _options([(str(b.id), b.name) for b in boards])
