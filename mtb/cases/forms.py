"""The case form with its biomarker rows, and the small forms of the case page.

WTForms checks shapes (numbers, dates, lengths); the vocabulary rules (ICD-10, HGNC,
HGVS) and what a submission needs live in ``validation``, which services, the CLI and
tests call too. Choices and labels come from the domain (``models``, ``vocab``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from mtb.cases.biomarker_validation import VAF_QUANTUM
from mtb.cases.models import (
    BiomarkerKind,
    Classification,
    CnvType,
    DetectionMethod,
    GenomeBuild,
    GermlineConsent,
    HrdStatus,
    MmrStatus,
    MsiStatus,
    Pdl1Category,
    Pdl1Clone,
    SampleSite,
    Sex,
    SpecimenType,
    Urgency,
    VariantOrigin,
)
from mtb.cases.problems import HUNDREDTHS, typed_number, without_percent_sign
from mtb.cases.uploads import ACCEPT_ATTRIBUTE, Upload, sent_filename
from mtb.cases.vocab import MAX_BIOMARKERS, MAX_REPORTS, MMR_PROTEINS, RESEARCH_COHORTS
from mtb.db import utcnow
from mtb.i18n import lazy_gettext as _l
from mtb.widgets import FieldList, SelectField

#: The urgency choices say what urgent means for the case (the badge says only "Urgent").
URGENCY_CHOICES = (
    (Urgency.ROUTINE.value, Urgency.ROUTINE.label),
    (Urgency.URGENT.value, _l("Urgent (next meeting, even past the cut-off)")),
)


def options(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def _not_in_future(form, field):
    if field.data and field.data > utcnow().date():
        raise ValidationError(_l("This date is in the future."))




class FiniteDecimalField(DecimalField):
    """A decimal number as people write it (a decimal comma too: 0,5): "NaN", "sNaN" and
    "Infinity", which Python's Decimal accepts, are refused next to the field (they cannot
    be compared or stored). The value is kept as typed, never rounded: the checks refuse a
    number with more decimals than its column keeps (a TMB of 9.995 rounded to 10.00 would
    cross the TMB-high cut-off). When the field says ``underflow``, a value that is not 0
    but rounds to 0 at ``quantum`` is refused with that message (a VAF of 0.00001 % is
    not 0). A ``percent`` field takes the number with a trailing percent sign too, as
    reports print it ("35 %" is 35). Whatever was typed is shown again."""

    problem = None

    def __init__(self, *args, quantum: Decimal = HUNDREDTHS, underflow: str | None = None, percent: bool = False,
                 **kwargs):
        # Never a number input: the browser would refuse "35 %", drop the decimal comma of
        # "8,5" (an English-locale Chromium sends 85) and a PDF's minus sign, all before the
        # server could read them. A text input with the decimal keypad on phones.
        kwargs.setdefault("widget", TextInput())
        kwargs["render_kw"] = {"inputmode": "decimal", **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)
        self.quantum = quantum
        #: Said when a number that is not 0 rounds to 0 at ``quantum``.
        self.underflow = underflow
        #: The field is a percentage: "35 %" is read as 35.
        self.percent = percent

    def process_formdata(self, valuelist):
        self.problem = None
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None  # left blank: the Optional validator decides
            return
        text = typed_number(str(valuelist[0]))
        if self.percent:
            text = without_percent_sign(text)
        try:
            super().process_formdata([text.replace(",", ".")])
        except ValueError:
            self.data = None
            self.problem = _l("Enter a number, e.g. 32 or 12.5.")
            return
        if self.data is None:
            return
        if not self.data.is_finite():
            self.data = None
            self.problem = _l("Enter a number, e.g. 32 or 12.5 (not NaN or Infinity).")
            return
        try:
            rounded = self.data.quantize(self.quantum)
        except InvalidOperation:
            return  # too large to round: the field's range check refuses it
        if self.underflow and rounded == 0 and self.data != 0:
            self.problem = self.underflow

    def pre_validate(self, form):
        if self.problem is not None:
            raise StopValidation(self.problem)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(enum_cls, blank_label="—"):
    return options([("", blank_label)] + [(member.value, member.label) for member in enum_cls])


def _classification_choices() -> list[SelectChoice]:
    """One select for both scales, grouped: AMP/ASCO/CAP tiers, then ACMG/AMP classes."""
    tiers, classes = _l("AMP/ASCO/CAP tier (somatic)"), _l("ACMG/AMP class (germline)")
    return [SelectChoice("", "—")] + [SelectChoice(c.value, c.label, optgroup=tiers if c.is_tier else classes)
                                      for c in Classification]


class ReportForm(Form):
    """One lab report: the assay and the specimen its biomarkers were found in."""

    report_id = HiddenField()
    assay = StringField(_l("Assay / panel"), description=_l("e.g. Oncomine Focus, TSO500, 22C3 IHC"), validators=[Optional(), Length(max=200)])
    lab = StringField(_l("Laboratory"), validators=[Optional(), Length(max=200)])
    reported_on = DateField(_l("Report date"), validators=[Optional(), _not_in_future])
    genome_build = SelectField(_l("Genome build"), choices=_choices(GenomeBuild), validators=[Optional()])
    specimen_type = SelectField(_l("Specimen"), choices=_choices(SpecimenType), validators=[Optional()])
    sample_id = StringField(_l("Sample or block id"), validators=[Optional(), Length(max=60)])
    collected_on = DateField(_l("Collection date"), validators=[Optional(), _not_in_future])
    sample_site = SelectField(_l("Primary or metastasis"), choices=_choices(SampleSite), validators=[Optional()])
    site = StringField(_l("Anatomical site"), description=_l("e.g. right upper lobe, liver"), validators=[Optional(), Length(max=120)])
    tumour_content = FiniteDecimalField(_l("Tumour cells (%)"), places=None, percent=True, validators=[Optional(), NumberRange(0, 100, message=_l("Tumour cell content is a percentage, 0 to 100."))])
    note = StringField(_l("Note on the report"), validators=[Optional(), Length(max=300)])

    def is_blank(self) -> bool:
        return _blank_form(self, "report_id")


def _blank_form(form: Form, *ignored: str) -> bool:
    """A row nobody typed in (a fresh row left empty is dropped, not an error)."""
    return not any(
        (f.raw_data and any(str(v).strip() for v in f.raw_data)) if f.raw_data is not None else bool(f.data)
        for name, f in form._fields.items() if name not in ignored
    )


class BiomarkerForm(Form):
    """One row of findings; the fields that apply depend on ``kind``."""

    biomarker_id = HiddenField()
    kind = SelectField(
        _l("Kind of finding"),
        choices=options([("", _l("— choose —"))] + [(k.value, k.label) for k in BiomarkerKind]),
        validators=[Optional()],
    )
    #: The form's report the finding comes from ("reports-0"); the choices are the form's reports.
    report = SelectField(_l("From report"), choices=[], validate_choice=False, validators=[Optional()])
    gene = StringField(_l("Gene (HGNC symbol)"), description=_l("5′ partner for a fusion"), validators=[Optional(), Length(max=40)])
    gene_3p = StringField(_l("3′ fusion partner"), validators=[Optional(), Length(max=40)])
    partner_unknown = BooleanField(_l("Partner unknown (e.g. FISH break-apart, IHC)"))
    driver = SelectField(_l("Driver"), choices=options([("", _l("— known driver —")), ("5p", _l("5′ partner")), ("3p", _l("3′ partner"))]), validators=[Optional()])
    transcript = StringField(_l("Transcript"), description=_l("e.g. NM_004333.6"), validators=[Optional(), Length(max=60)])
    hgvs_c = StringField(_l("HGVS c."), description=_l("e.g. c.1799T>A or NM_004333.6:c.1799T>A"), validators=[Optional(), Length(max=300)])
    hgvs_p = StringField(_l("HGVS p."), description=_l("e.g. p.Val600Glu or V600E"), validators=[Optional(), Length(max=300)])
    hgvs_g = StringField(_l("Genomic (g.)"), description=_l("Optional, e.g. NC_000007.14:g.140753336A>T"), validators=[Optional(), Length(max=300)])
    exon = StringField(_l("Exon / intron"), description=_l("e.g. 19, exon 19, intron 13"), validators=[Optional(), Length(max=30)])
    origin = SelectField(_l("Origin"), choices=_choices(VariantOrigin), validators=[Optional()])
    classification = SelectField(_l("Classification"), choices=_classification_choices(), validators=[Optional()])
    vaf = FiniteDecimalField(_l("VAF (%)"), places=None, percent=True, quantum=VAF_QUANTUM, underflow=_l("A VAF smaller than 0.0001 percent cannot be stored; check the report, e.g. 0.004 for 0.004 %."), description=_l("Percent, e.g. 32 or 0.004"), validators=[Optional(), NumberRange(0, 100, message=_l("A VAF is between 0 and 100 %%."))])
    cnv_type = SelectField(_l("Copy-number change"), choices=_choices(CnvType), validators=[Optional()])
    copy_number = FiniteDecimalField(_l("Copy number"), places=None, validators=[Optional(), NumberRange(0, 9999, message=_l("Enter a number of copies from 0."))])
    cn_ratio = FiniteDecimalField(_l("Ratio to centromere"), places=None, description=_l("FISH, e.g. 2.5 (MET/CEP7)"), validators=[Optional()])
    log2_ratio = FiniteDecimalField(_l("log2 ratio"), places=None, description=_l("NGS, e.g. 1.6 or -1.2"), validators=[Optional()])
    method = SelectField(_l("Method"), choices=_choices(DetectionMethod), validators=[Optional()])
    breakpoint_5p = StringField(_l("5′ breakpoint"), description=_l("e.g. exon 13"), validators=[Optional(), Length(max=30)])
    breakpoint_3p = StringField(_l("3′ breakpoint"), description=_l("e.g. exon 20"), validators=[Optional(), Length(max=30)])
    tmb = FiniteDecimalField(_l("TMB (mut/Mb)"), places=None, validators=[Optional(), NumberRange(0, 99999, message=_l("TMB is 0 or more mutations per megabase."))])
    msi_status = SelectField(_l("MSI status"), choices=options([("", "—")] + [(s.value, s.value) for s in MsiStatus]), validators=[Optional()])
    mmr_status = SelectField(_l("MMR status (IHC)"), choices=_choices(MmrStatus), validators=[Optional()])
    mmr_lost = MultiCheckboxField(_l("Proteins lost"), choices=options([(p, p) for p in MMR_PROTEINS]), validators=[Optional()])
    pdl1_tps = FiniteDecimalField(_l("PD-L1 TPS (%)"), places=None, percent=True, validators=[Optional(), NumberRange(0, 100, message=_l("TPS is between 0 and 100 %%."))])
    pdl1_category = SelectField(_l("TPS category"), choices=_choices(Pdl1Category), description=_l("When the report gives no exact score"), validators=[Optional()])
    pdl1_cps = FiniteDecimalField(_l("PD-L1 CPS"), places=None, validators=[Optional(), NumberRange(0, 100, message=_l("CPS is between 0 and 100."))])
    pdl1_ic = FiniteDecimalField(_l("PD-L1 IC (%)"), places=None, percent=True, validators=[Optional(), NumberRange(0, 100, message=_l("IC is between 0 and 100 %%."))])
    pdl1_clone = SelectField(_l("Clone"), choices=options([("", "—")] + [(c.value, c.value) for c in Pdl1Clone]), validators=[Optional()])
    hrd_status = SelectField(_l("HRD status"), choices=_choices(HrdStatus), validators=[Optional()])
    hrd_score = FiniteDecimalField(_l("HRD score"), places=None, validators=[Optional(), NumberRange(0, 9999, message=_l("A score is 0 or more."))])
    not_detected = TextAreaField(_l("Tested, not detected"), description=_l("Genes or alterations, separated by commas, e.g. EGFR, ALK, ROS1, BRAF, KRAS, MET exon 14, RET, NTRK"), validators=[Optional(), Length(max=500)])
    description = StringField(_l("Description or note"), validators=[Optional(), Length(max=500)])

    def is_blank(self) -> bool:
        """A row nobody typed in (a fresh row left empty is dropped, not an error); the
        report a new row starts with is no typing."""
        return _blank_form(self, "biomarker_id", "report")


class PostedList(FieldList):
    """A list of cards (reports, biomarker rows) that keeps every card posted and knows
    each by the name the browser posted it under.

    WTForms renumbers posted entries 0..N-1: once a card is removed in the page, the
    browser posts reports-0, -2, -3 and gets back -0, -1, -2. A row names its report, and
    a row's button its row, by the posted name, so ``posted`` maps those names to the
    entries. FieldList would also drop the cards past ``max_entries`` without a word: here
    every card posted is kept and shown again, the checks refuse more than ``limit`` with a
    message, and the add buttons and the script stop at the limit."""

    def __init__(self, unbound_field, *, limit: int, **kwargs):
        # A page never holds more than the limit; four times it is not typing, and reading
        # such a post would only cost time: refused as too large (413), like too many parts.
        super().__init__(unbound_field, min_entries=0, max_entries=4 * limit, **kwargs)
        self.limit = limit
        #: Posted name ("reports-3") -> entry; None when nothing was posted.
        self.posted: dict[str, FormField] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.posted = None
        indices = sorted(set(self._extract_indices(self.name, formdata))) if formdata else []
        if len(indices) > self.max_entries:
            raise RequestEntityTooLarge()
        super().process(formdata, data, extra_filters)
        if formdata:
            # The entries come in the order of their posted indices (renumbering keeps it).
            self.posted = {f"{self.name}{self._separator}{index}": entry
                           for index, entry in zip(indices, self.entries, strict=True)}

    @property
    def at_limit(self) -> bool:
        return len(self.entries) >= self.limit


class CaseForm(FlaskForm):
    #: The case version the form was loaded with (optimistic locking).
    version = HiddenField()

    patient_record_number = StringField(_l("Hospital record number"), validators=[InputRequired(message=_l("Enter the hospital record number.")), Length(max=40)])
    patient_name = StringField(_l("Patient name"), description=_l("Family name, given name"), validators=[InputRequired(message=_l("Enter the patient's name.")), Length(max=200)])
    patient_sex = SelectField(
        _l("Sex"), choices=options([("", _l("— choose —"))] + [(s.value, s.label) for s in Sex]),
        validators=[InputRequired(message=_l("Choose the patient's sex (or Unknown)."))],
    )
    patient_birth_date = DateField(_l("Date of birth"), validators=[InputRequired(message=_l("Enter the date of birth."))])

    diagnosis = StringField(_l("Diagnosis"), description=_l("e.g. Lung adenocarcinoma"), validators=[Optional(), Length(max=300)])
    icd10_code = StringField(_l("ICD-10 code"), description=_l("Category or subcategory, e.g. C34.1"), validators=[Optional(), Length(max=10)])
    icd10_confirmed = BooleanField(_l("Keep this code: the case is rightly coded outside the neoplasms (C00–D48)"))
    icdo3_morphology = StringField(_l("ICD-O-3 morphology"), description=_l("Optional, e.g. 8140/3 or M-8140/3"), validators=[Optional(), Length(max=12)])
    stage = StringField(_l("Stage"), description=_l("e.g. cT2aN2M1c, IVB"), validators=[Optional(), Length(max=40)])
    ecog = SelectField(
        _l("ECOG performance status"), choices=options([("", _l("— not given —"))] + [(str(i), str(i)) for i in range(5)]),
        validators=[Optional()],
    )
    prior_lines = IntegerField(_l("Prior lines of systemic therapy"), validators=[Optional(), NumberRange(0, 30, message=_l("Enter a number from 0 to 30."))])
    prior_treatments = TextAreaField(_l("Prior treatments"), description=_l("Lines, drugs, best response, dates"), validators=[Optional(), Length(max=5000)])

    clinical_question = TextAreaField(_l("Question to the board"), validators=[Optional(), Length(max=5000)])
    urgency = RadioField(
        _l("Urgency"), choices=options(URGENCY_CHOICES), default=Urgency.ROUTINE.value,
    )
    research_consent = MultiCheckboxField(
        _l("Research-cohort consent"), choices=options([(c, c) for c in RESEARCH_COHORTS]), validators=[Optional()],
    )
    germline_consent = SelectField(
        _l("Consent to germline testing"),
        choices=options([("", _l("— not recorded —"))] + [(c.value, c.label) for c in GermlineConsent]),
        validators=[Optional()],
    )
    research_consent_other = StringField(_l("Other cohort"), description=_l("Name of another cohort the patient consented to"), validators=[Optional(), Length(max=60)])

    no_molecular_report = BooleanField(_l("No molecular report yet (ask the board which tests to order)"))
    reports = PostedList(FormField(ReportForm), limit=MAX_REPORTS)
    biomarkers = PostedList(FormField(BiomarkerForm), limit=MAX_BIOMARKERS)

    report_files = MultipleFileField(
        _l("Reports and data files"), render_kw={"accept": ACCEPT_ATTRIBUTE},
        description=_l("PDF, VCF (.vcf, .vcf.gz), CSV/TSV, PNG or JPEG; you can choose several."),
    )

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        if self.reports.posted is not None:
            # Each row names its report as the browser posted it ("reports-3"); the reports are
            # renumbered, so follow each to its entry's name now. A report not posted (removed)
            # is no report, rather than whichever report took its number.
            renamed = {posted: entry.name for posted, entry in self.reports.posted.items()}
            for entry in self.biomarkers.entries:
                entry.form.report.data = renamed.get(entry.form.report.data or "", "")


class AttachmentForm(FlaskForm):
    """Upload from the case page."""

    files = MultipleFileField(_l("Files"), render_kw={"accept": ACCEPT_ATTRIBUTE}, description=_l("PDF, VCF (.vcf, .vcf.gz), CSV/TSV, PNG or JPEG; you can choose several."))
    description = StringField(_l("Description"), description=_l("Optional, e.g. NGS report, pathology photo"), validators=[Optional(), Length(max=200)])


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), description=_l("Shown on the case's timeline, e.g. patient started treatment elsewhere"), validators=[Optional(), Length(max=300)])


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (submit, remove an attachment)."""


class GeneSymbolForm(FlaskForm):
    symbol = StringField(_l("Approved symbol"), validators=[InputRequired(), Length(max=40)])
    replaces = StringField(_l("Replaces"), description=_l("For a renamed gene: the symbol it replaced, e.g. GBA for GBA1."),
                           validators=[Optional(), Length(max=40)])
    chromosome = StringField(_l("Chromosome"), validators=[Optional(), Length(max=20)])
    note = StringField(_l("Source"), description=_l("HGNC id and approval date, e.g. HGNC:53954, approved 2023-05."),
                       validators=[Optional(), Length(max=300)])


def received_uploads(field) -> list[Upload]:
    """The files chosen in a file field, read once (kept on the field for later calls)."""
    cached = getattr(field, "uploads", None)
    if cached is None:
        files = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        cached = [Upload(sent_filename(f), f.read()) for f in files]
        field.uploads = cached
    return cached
