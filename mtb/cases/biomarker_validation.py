"""The rules of a case's molecular findings: each report (specimen, assay) and each
biomarker row normalised by kind, every problem recorded by form field name, then the
links between them (a row's report, a TMB's panel, a genomic change's genome build).

Nothing here writes; ``validation.check_form`` calls these for the whole form.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from mtb.cases.biomarker_labels import shown
from mtb.cases.cnv_checks import cnv_contradictions
from mtb.cases.descriptions import check_descriptions
from mtb.cases.findings import (
    Biomarker,
    BiomarkerKind,
    Classification,
    CnvType,
    DetectionMethod,
    FusionDriver,
    GenomeBuild,
    HrdStatus,
    MmrStatus,
    MolecularReport,
    MsiStatus,
    Pdl1Category,
    Pdl1Clone,
    SampleSite,
    SpecimenType,
    VariantOrigin,
)
from mtb.cases.gene_checks import check_gene, check_negative_panel, obvious_driver
from mtb.cases.problems import Problems, blank, exact_decimal
from mtb.cases.vocab import (
    BIOMARKER_FIELDS,
    DERIVED_FIELDS,
    MAX_BIOMARKERS,
    MAX_LENGTHS,
    MAX_REPORTS,
    MMR_PROTEINS,
    REPORT_FIELDS,
    fields_of,
    fusion_order,
)
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.text import clean_text

#: A VAF is kept to 0.0001 %: a ctDNA VAF of 0.004 % is not 0.
VAF_QUANTUM = Decimal("0.0001")

#: The ratios to the centromere probe taken (FISH, e.g. MET/CEP7): the column keeps two decimals,
#: so 0.01 is the smallest above 0 that can be stored.
CN_RATIO_RANGE = (Decimal("0.01"), Decimal(999))

# An exon or intron, or a range of exons; a single one may carry a letter for an alternative
# exon (EML4 exon 6a and 6b, in EML4::ALK variants 3a and 3b).
_LOCATION = re.compile(r"(?:(exons?|ex|e)|(introns?|int|in|i|ivs))?\s*\.?\s*(\d{1,3})"
                       r"(?:([a-d])|\s*[-–_]\s*(\d{1,3}))?", re.I)


def normalise_location(text: str) -> str:
    """"19", "ex19", "Exon 19" -> "exon 19"; "i13", "IVS13" -> "intron 13"; "18-21" -> "exon 18-21";
    "Exon 6A" -> "exon 6a"."""
    match = _LOCATION.fullmatch((text or "").strip())
    if not match or (match[5] and int(match[5]) <= int(match[3])) or int(match[3]) == 0:
        raise InvalidInput(None, _("Write the exon or intron number, e.g. 19, exon 19, intron 13 or exon 18-21."))
    where = "intron" if match[2] else "exon"
    return f"{where} {int(match[3])}" + (match[4] or "").lower() + (f"-{int(match[5])}" if match[5] else "")


class _Row:
    """One row (or report) being checked: its typed values, its field names, its problems,
    and the table its values are stored in (whose columns say how long and how precise)."""

    def __init__(self, typed: dict, prefix: str, problems: Problems, applies: set[str], table: sa.Table):
        self.typed, self.prefix, self.problems, self.applies = typed, prefix, problems, applies
        self.columns = table.columns

    def name(self, f: str) -> str:
        return f"{self.prefix}-{f}"

    def add(self, f: str, message: str) -> None:
        self.problems.add(self.name(f), message)

    def has_error(self, f: str) -> bool:
        return self.name(f) in self.problems.errors

    def text(self, f: str) -> str | None:
        value = clean_text(self.typed.get(f)) if f in self.applies else None
        limit = MAX_LENGTHS.get(f)
        if value is not None and limit is not None and len(value) > limit:
            self.add(f, _("At most %(n)d characters.", n=limit))
        return value

    def number(self, f: str, low, high, message: str, underflow: str | None = None,
               percent: bool = False) -> Decimal | None:
        """The number as typed, with no more decimals than its column keeps: the database
        would round the rest away (a TMB of 9.995 would be 10.00, above the TMB-high
        cut-off), so more are refused. ``underflow``: said instead for a number that is
        not 0 but would be (a VAF of 0.00001 %). ``percent``: a percentage, which may be
        written with its sign ("35 %")."""
        if f not in self.applies:
            return None
        try:
            value = exact_decimal(self.typed.get(f), percent=percent)
        except (InvalidOperation, ValueError):
            self.add(f, _("Enter a number, e.g. 32 or 12.5 (not NaN or Infinity)."))
            return None
        if value is None:
            return None
        if not (low <= value <= high):
            self.add(f, message)
            return value
        places = self.columns[f].type.scale
        kept = value.quantize(Decimal(1).scaleb(-places))  # in range: small enough to quantize
        if kept != value:
            if underflow and kept == 0:
                self.add(f, underflow)
            else:
                self.add(f, _("At most %(n)d decimals are kept: enter the value with %(n)d decimals or fewer (it "
                              "is not rounded for you).", n=places))
            return None
        return kept

    def fit_columns(self, out: dict, typed_in: dict[str, str] | None = None) -> None:
        """Every text fits its column as stored (PostgreSQL refuses a longer one, SQLite keeps
        it): a longer one is refused beside the field it was typed in; ``typed_in`` names
        that field for a value split off another (a transcript typed before the c. change)."""
        for column in self.columns:
            value, length = out.get(column.name), getattr(column.type, "length", None)
            if not isinstance(value, str) or isinstance(column.type, sa.Enum) or length is None or len(value) <= length:
                continue
            f = (typed_in or {}).get(column.name, column.name)
            if not self.has_error(f):
                self.add(f, _("At most %(n)d characters.", n=length) if f == column.name else _(
                    "The reference before the change has more than %(n)d characters; check it against the report.",
                    n=length))
            out[column.name] = None

    def choice(self, f: str, enum_cls, message: str, required: bool = False):
        value = self.typed.get(f) if f in self.applies else None
        if blank(value):
            if required:
                self.add(f, message)
            return None
        try:
            return enum_cls(value)
        except ValueError:
            self.add(f, message)
            return None

    def day(self, f: str) -> date | None:
        value = self.typed.get(f)
        if not isinstance(value, date):
            return None
        if value > utcnow().date():
            self.add(f, _("This date is in the future."))
        return value

    def location(self, f: str) -> str | None:
        value = self.text(f)
        if value is None:
            return None
        try:
            return normalise_location(value)
        except InvalidInput as error:
            self.add(f, error.message)
            return None

    def gene(self, f: str, required: str | None) -> str | None:
        value = self.text(f)
        if value is None:
            if required:
                self.add(f, required)
            return None
        return check_gene(value, self.name(f), self.problems)


# --- Reports -----------------------------------------------------------------------

def _blank_report(typed: dict) -> bool:
    """A report card nobody typed in: dropped, not an error."""
    return all(blank(typed.get(f)) for f in REPORT_FIELDS)


def check_report(row: dict, prefix: str, problems: Problems) -> dict | None:
    """Normalise one report (specimen and assay); None for a report left blank."""
    typed = {f: row.get(f) for f in REPORT_FIELDS}
    if _blank_report(typed):
        return None
    r = _Row(typed, prefix, problems, set(REPORT_FIELDS), MolecularReport.__table__)
    out: dict[str, Any] = {f: r.text(f) for f in ("assay", "lab", "sample_id", "site", "note")}
    out["reported_on"], out["collected_on"] = r.day("reported_on"), r.day("collected_on")
    if out["reported_on"] and out["collected_on"] and out["collected_on"] > out["reported_on"]:
        r.add("collected_on", _("The specimen was collected after the report date; check both dates."))
    out["genome_build"] = r.choice("genome_build", GenomeBuild, _("Choose GRCh37 or GRCh38."))
    out["specimen_type"] = r.choice("specimen_type", SpecimenType, _("Choose the kind of specimen, e.g. FFPE tissue."))
    out["sample_site"] = r.choice("sample_site", SampleSite, _("Choose primary tumour or metastasis."))
    out["tumour_content"] = r.number("tumour_content", 0, 100, _("Tumour cell content is a percentage, 0 to 100."),
                                     percent=True)
    specimen = out["specimen_type"]
    if out["tumour_content"] is not None and specimen is not None and not specimen.is_tumour:
        r.add("tumour_content", _("Tumour cell content is estimated on a tumour specimen, not on %(specimen)s; "
                                  "leave it blank here.", specimen=specimen.label))
    r.fit_columns(out)
    return out


# --- Biomarkers --------------------------------------------------------------------

def _blank_row(typed: dict) -> bool:
    """A row nobody typed in (the report it starts with is no typing): dropped, not an error."""
    return all(blank(typed.get(f)) for f in BIOMARKER_FIELDS if f not in ("report", "partner_unknown"))


def check_biomarker(row: dict, prefix: str, problems: Problems) -> dict | None:
    """Normalise one biomarker row; None for a row left blank. ``row["report"]`` is kept
    as typed: ``check_links`` resolves it against the form's reports."""
    typed = {f: row.get(f) for f in BIOMARKER_FIELDS}
    if _blank_row(typed):
        return None
    r = _Row(typed, prefix, problems, set(), Biomarker.__table__)
    try:
        kind = BiomarkerKind(typed["kind"])
    except ValueError:
        r.add("kind", _("Choose what kind of finding this row is."))
        return None
    r.applies = fields_of(kind)
    out: dict[str, Any] = {f: None for f in BIOMARKER_FIELDS + DERIVED_FIELDS}
    out.update(kind=kind, report=clean_text(typed.get("report")), partner_unknown=False, mmr_lost=[],
               not_detected=[])
    r.applies.add("description")
    out["description"] = r.text("description")
    _KIND_CHECKS.get(kind, _other)(r, out)
    # References split off a change are stored in their own columns: refused beside the change.
    r.fit_columns(out, {"protein_reference": "hgvs_p",
                        "transcript": "hgvs_c" if blank(typed.get("transcript")) else "transcript"})
    return out


def _classification(r: _Row, out: dict, origin: VariantOrigin | None) -> None:
    found = r.choice("classification", Classification, _("Choose a tier (somatic) or a class (germline)."))
    if found is None:
        return
    if origin is VariantOrigin.GERMLINE and found.is_tier:
        r.add("classification", _("A germline variant is classified by the ACMG/AMP classes, e.g. Class 5 – "
                                  "pathogenic; the AMP/ASCO/CAP tiers are for somatic variants."))
    elif origin is VariantOrigin.SOMATIC and not found.is_tier:
        r.add("classification", _("A somatic variant is classified by the AMP/ASCO/CAP tiers, e.g. Tier I – strong "
                                  "clinical significance; the ACMG/AMP classes are for germline variants."))
    elif "origin" not in r.applies and not found.is_tier:
        r.add("classification", _("A fusion is classified by the AMP/ASCO/CAP tiers, e.g. Tier I – strong "
                                  "clinical significance."))
    out["classification"] = found


def _origin(r: _Row, out: dict) -> None:
    out["origin"] = r.choice("origin", VariantOrigin, _("Choose somatic, germline or unknown."))
    _classification(r, out, out["origin"])


def _variant(r: _Row, out: dict) -> None:
    out["gene"] = r.gene("gene", _("Enter the gene (HGNC symbol)."))
    found = check_descriptions(r.typed, out["gene"] or r.text("gene"))
    for f in ("transcript", "hgvs_c", "hgvs_p", "hgvs_g", "protein_reference"):
        out[f] = found.values[f]
    for where, add in ((found.errors, r.problems.add), (found.warnings, r.problems.warn),
                       (found.notes, r.problems.note)):
        for f, messages in where.items():
            for message in messages:
                add(r.name(f), message)
    for f in ("hgvs_c", "hgvs_p", "hgvs_g"):
        if out[f] is not None and len(out[f]) > MAX_LENGTHS[f]:
            r.add(f, _("At most %(n)d characters.", n=MAX_LENGTHS[f]))
    if blank(r.typed.get("hgvs_c")) and blank(r.typed.get("hgvs_p")) and out["hgvs_p"] is None:
        r.add("hgvs_p", _("Give the protein change (p.), the coding change (c.), or both."))
    out["exon"] = r.location("exon")
    _origin(r, out)
    out["vaf"] = vaf = r.number("vaf", 0, 100, _("A VAF is between 0 and 100 %."), underflow=_(
        "A VAF smaller than 0.0001 percent cannot be stored; check the report, e.g. 0.004 for 0.004 %."), percent=True)
    if vaf is not None and not r.has_error("vaf"):
        if vaf == 0:
            r.add("vaf", _("A VAF of 0 % means not detected: record the gene as “Tested, not detected”, or give the "
                           "VAF of the report, e.g. 0.4."))
        elif vaf <= 1:
            r.problems.warn(r.name("vaf"), _("A VAF of %(vaf)s %% is low: is it a percentage, not a fraction? (A "
                                             "fraction of 0.35 is 35 %%.)", vaf=shown(vaf)))


def _cnv(r: _Row, out: dict) -> None:
    out["gene"] = r.gene("gene", _("Enter the gene (HGNC symbol)."))
    out["cnv_type"] = r.choice("cnv_type", CnvType, _("Choose gain, amplification, loss or deletion."), required=True)
    out["copy_number"] = r.number("copy_number", 0, 9999, _("Enter a number of copies from 0."))
    out["cn_ratio"] = r.number("cn_ratio", CN_RATIO_RANGE[0], CN_RATIO_RANGE[1], _(
        "A ratio to the centromere lies between %(low)s and %(high)s, e.g. 2.5 for MET/CEP7.",
        low=shown(CN_RATIO_RANGE[0]), high=shown(CN_RATIO_RANGE[1])))
    out["log2_ratio"] = r.number("log2_ratio", -20, 20, _("A log2 ratio lies between -20 and 20, e.g. 1.6 or -1.2."))
    out["method"] = r.choice("method", DetectionMethod, _("Choose how the change was found."))
    cnv_type, log2 = out["cnv_type"], out["log2_ratio"]
    if cnv_type is not None and log2 is not None and not r.has_error("log2_ratio"):
        if (cnv_type in (CnvType.GAIN, CnvType.AMPLIFICATION)) != (log2 > 0):
            # The change is named in brackets: "a %(change)s" would read "a amplification".
            r.add("log2_ratio", _("A log2 ratio of %(value)s does not fit the change chosen (%(change)s): a gain is "
                                  "above 0, a loss below.", value=shown(log2), change=cnv_type.label))
    if cnv_type is not None:
        for f, message in cnv_contradictions(cnv_type, out["copy_number"], out["cn_ratio"]):
            if not r.has_error(f):
                r.add(f, message)
    _origin(r, out)


def _fusion(r: _Row, out: dict) -> None:
    unknown = bool(r.typed.get("partner_unknown"))
    out["partner_unknown"] = unknown
    five = r.gene("gene", None if unknown else _("Enter the 5′ partner gene (HGNC symbol)."))
    three = r.gene("gene_3p", None if unknown else _("Enter the 3′ partner gene (HGNC symbol)."))
    out["gene"], out["gene_3p"] = five, three
    typed_five, typed_three = r.text("gene"), r.text("gene_3p")
    if unknown and typed_five and typed_three:
        r.add("partner_unknown", _("Both partners are given: untick “Partner unknown”, or keep only the gene found "
                                   "rearranged, e.g. ALK."))
    elif unknown and not typed_five and not typed_three:
        r.add("gene", _("Enter the gene found rearranged, e.g. ALK, in the partner field where the report puts it."))
    if five and three and not unknown:
        usual_five, usual_three, settled = fusion_order(five, three)
        if settled and usual_five != five:  # typed the other way round? (reciprocal transcripts exist)
            r.problems.warn(r.name("gene"), _(
                "%(five)s is usually the 5′ partner and %(three)s the 3′: is this %(five)s::%(three)s? Check the "
                "order against the report.", five=usual_five, three=usual_three))
    chosen = r.choice("driver", FusionDriver, _("Choose which partner drives the fusion."))
    automatic = obvious_driver(five, three)
    if unknown:
        chosen = FusionDriver(automatic) if automatic else None
    elif chosen is None and automatic is not None:
        chosen = FusionDriver(automatic)
    elif chosen is None and five and three and not r.has_error("driver"):
        r.add("driver", _("Which partner drives this fusion? Choose %(five)s (5′) or %(three)s (3′) under "
                          "“Driver”, e.g. EWSR1 for EWSR1::FLI1.", five=five, three=three))
    if chosen is not None and five and three and not unknown and automatic not in (None, chosen.value):
        usual, other = (five, three) if automatic == FusionDriver.FIVE_PRIME.value else (three, five)
        r.problems.warn(r.name("driver"), _(
            "%(usual)s is the usual driver of %(five)s::%(three)s, not %(other)s: the finding would be named "
            "“%(other)s fusion”. Check “Driver” against the report.", usual=usual, other=other, five=five,
            three=three))
    out["driver"] = chosen
    out["breakpoint_5p"] = r.location("breakpoint_5p")
    out["breakpoint_3p"] = r.location("breakpoint_3p")
    out["method"] = r.choice("method", DetectionMethod, _("Choose how the fusion was found."))
    _classification(r, out, None)


def _tmb(r: _Row, out: dict) -> None:
    out["tmb"] = r.number("tmb", 0, 99999, _("TMB is 0 or more mutations per megabase."))
    if out["tmb"] is None and not r.has_error("tmb"):
        r.add("tmb", _("Enter the TMB in mutations per megabase."))


def _msi(r: _Row, out: dict) -> None:
    out["msi_status"] = r.choice("msi_status", MsiStatus, _("Choose MSI-H, MSI-L or MSS."), required=True)


def _mmr(r: _Row, out: dict) -> None:
    status = out["mmr_status"] = r.choice("mmr_status", MmrStatus, _("Choose proficient or deficient."),
                                          required=True)
    typed = r.typed.get("mmr_lost") or []
    lost = [p for p in MMR_PROTEINS if p in typed]
    if status is MmrStatus.DEFICIENT and not lost:
        r.add("mmr_lost", _("Tick the proteins whose staining is lost, e.g. MLH1 and PMS2."))
    elif status is MmrStatus.PROFICIENT and lost:
        r.add("mmr_lost", _("A proficient result keeps every protein: untick %(lost)s, or choose deficient.",
                            lost=", ".join(lost)))
    out["mmr_lost"] = lost


def _pdl1(r: _Row, out: dict) -> None:
    out["pdl1_tps"] = tps = r.number("pdl1_tps", 0, 100, _("TPS is between 0 and 100 %."), percent=True)
    out["pdl1_cps"] = r.number("pdl1_cps", 0, 100, _("CPS is between 0 and 100."))
    out["pdl1_ic"] = r.number("pdl1_ic", 0, 100, _("IC is between 0 and 100 %."), percent=True)
    category = out["pdl1_category"] = r.choice("pdl1_category", Pdl1Category, _("Choose the lab's TPS category."))
    out["pdl1_clone"] = r.choice("pdl1_clone", Pdl1Clone, _("Choose the antibody clone, e.g. 22C3."))
    if tps is not None and category is not None and not r.has_error("pdl1_tps") \
            and Pdl1Category.of_score(tps) is not category:
        r.add("pdl1_category", _("A TPS of %(tps)s %% is in the category %(fits)s, not %(category)s; keep the "
                                 "category the report gives.", tps=shown(tps), fits=Pdl1Category.of_score(tps).label,
                                 category=category.label))
    if all(out[f] is None for f in ("pdl1_tps", "pdl1_cps", "pdl1_ic", "pdl1_category")) \
            and not any(r.has_error(f) for f in ("pdl1_tps", "pdl1_cps", "pdl1_ic", "pdl1_category")):
        r.add("pdl1_tps", _("Give at least one PD-L1 result: TPS, its category (e.g. < 1 %), CPS or IC."))


def _hrd(r: _Row, out: dict) -> None:
    out["hrd_status"] = r.choice("hrd_status", HrdStatus, _("Choose positive, negative or inconclusive."),
                                 required=True)
    out["hrd_score"] = r.number("hrd_score", 0, 9999, _("A score is 0 or more."))


def _negative(r: _Row, out: dict) -> None:
    out["not_detected"] = check_negative_panel(r.text("not_detected"), r.name("not_detected"), r.problems)


def _other(r: _Row, out: dict) -> None:
    if out["description"] is None:
        r.add("description", _("Describe the finding."))


_KIND_CHECKS = {
    BiomarkerKind.VARIANT: _variant, BiomarkerKind.CNV: _cnv, BiomarkerKind.FUSION: _fusion,
    BiomarkerKind.TMB: _tmb, BiomarkerKind.MSI: _msi, BiomarkerKind.MMR: _mmr, BiomarkerKind.PDL1: _pdl1,
    BiomarkerKind.HRD: _hrd, BiomarkerKind.NEGATIVE: _negative, BiomarkerKind.OTHER: _other,
}


# --- Links between rows and reports -------------------------------------------------

def check_links(reports: dict[str, dict], rows: list[tuple[str, dict]], problems: Problems) -> None:
    """Resolve each row's report (a blank or unknown one is none) and check what depends
    on it: a TMB needs the panel it was measured on, a genomic change a genome build."""
    for prefix, out in rows:
        report = reports.get(out.get("report") or "")
        if report is None:
            out["report"] = None
        if out["kind"] is BiomarkerKind.TMB and (report is None or not report.get("assay")) \
                and f"{prefix}-tmb" not in problems.errors:
            problems.warn(f"{prefix}-report", _("A TMB depends on the panel: choose the report it comes from and "
                                                "give that report's assay or panel, e.g. TSO500."))
        if out.get("hgvs_g") and not out["hgvs_g"].startswith("NC_") and (report is None
                                                                          or report.get("genome_build") is None):
            problems.warn(f"{prefix}-hgvs_g", _("A genomic position depends on the genome build: give the report's "
                                                "build (GRCh37 or GRCh38), or the chromosome's accession, e.g. "
                                                "NC_000007.14:g.140753336A>T."))


def check_counts(reports: list[dict], rows: list[dict], problems: Problems) -> None:
    """A case holds at most MAX_REPORTS reports and MAX_BIOMARKERS findings (blank ones
    aside): more are refused as a whole, with every row shown again, never dropped."""
    n_reports = sum(not _blank_report(report) for report in reports)
    n_rows = sum(not _blank_row(row) for row in rows)
    if n_reports > MAX_REPORTS:
        problems.add("reports", _("A case holds at most %(max)d reports and this form has %(n)d: remove %(extra)d "
                                  "(nothing was saved yet).", max=MAX_REPORTS, n=n_reports,
                                  extra=n_reports - MAX_REPORTS))
    if n_rows > MAX_BIOMARKERS:
        problems.add("biomarkers", _("A case holds at most %(max)d findings and this form has %(n)d: remove "
                                     "%(extra)d (nothing was saved yet).", max=MAX_BIOMARKERS, n=n_rows,
                                     extra=n_rows - MAX_BIOMARKERS))
