"""What a VCF's records say, as biomarker rows the case form would take: gene, transcript,
HGVS c. and p. from VEP's ``CSQ`` or SnpEff's ``ANN`` annotation, VAF and depth of the
tumour sample, filter status; copy-number changes (SVTYPE DEL/DUP/CNV, CN) and fusions
(SVTYPE=BND mates) when the file has them.

The annotation field names are the tools' published ones: VEP's CSQ header ends with
``Format: Allele|Consequence|IMPACT|SYMBOL|...|HGVSc|HGVSp|...|CANONICAL|MANE_SELECT``;
SnpEff's ANN with ``'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID |
Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | ...'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import unquote

from mtb.cases import vcf_calls
from mtb.cases.biomarker_validation import VAF_QUANTUM
from mtb.cases.findings import Biomarker, BiomarkerKind
from mtb.cases.vcf import VcfFile, VcfRecord, VcfRefused
from mtb.cases.vcf_calls import best_entry as _best_entry
from mtb.cases.vcf_calls import call_data as _call_data
from mtb.cases.vcf_calls import number as _number
from mtb.cases.vocab import fusion_order
from mtb.i18n import gettext as _

VEP, SNPEFF = "VEP", "SnpEff"
#: SnpEff's ANN fields, in its published order (the header's description repeats them).
SNPEFF_FIELDS = ("Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
                 "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length",
                 "CDS.pos / CDS.length", "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO")
#: Impacts of changes a board discusses: protein-altering and splice (VEP's IMPACT, SnpEff's Annotation_Impact).
RELEVANT_IMPACTS = ("HIGH", "MODERATE")
_CNV_TYPES = {"DEL", "DUP", "CNV", "AMP", "GAIN", "LOSS", "DUP:TANDEM"}
#: A copy number from which a gain is an amplification (the usual NGS panel threshold).
AMPLIFICATION_CN = Decimal(5)
#: The normal sample's VAF (percent) under which a call is somatic, and from which it may be germline.
SOMATIC_NORMAL_VAF, GERMLINE_NORMAL_VAF = Decimal(2), Decimal(10)


@dataclass
class ProposedRow:
    """One finding the file proposes: the values as the case form would receive them
    (``values``), and what the review page shows about where it comes from."""

    key: str
    line: int
    kind: BiomarkerKind
    values: dict
    position: str
    filters: list[str]
    depth: int | None = None
    vaf: Decimal | None = None
    consequence: str | None = None
    impact: str | None = None
    #: Which ALT of its record the row is (0: the first).
    allele: int = 0
    #: The line of an earlier record of the file with the same finding (not ticked by default).
    duplicate_of: int | None = None
    #: Filled by the review: problems found by the case form's checks, by field.
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: Filled by the review: whether the case form's checks ran, and the values they gave
    #: (what the import stores), so a row is checked once per request.
    checked: bool = False
    checked_values: dict | None = None
    #: A fusion of two known partners, neither the usual driver (ETV6::RUNX1): the review asks which.
    asks_driver: bool = False

    @property
    def refused(self) -> bool:
        """Problems the review cannot settle (a missing driver is chosen on the row itself)."""
        return bool(set(self.errors) - ({"driver"} if self.asks_driver else set()))

    @property
    def passed(self) -> bool:
        return not self.filters or self.filters == ["PASS"]

    @property
    def gene(self) -> str | None:
        return self.values.get("gene")

    @property
    def relevant(self) -> bool:
        """Protein-altering or splice (or a copy-number change or fusion: always relevant)."""
        return self.kind is not BiomarkerKind.VARIANT or self.impact in RELEVANT_IMPACTS


@dataclass
class Proposal:
    rows: list[ProposedRow]
    annotation: str | None
    #: Records left out: no gene annotation (intergenic, or an annotation for another allele).
    unannotated: int = 0
    #: (line, alleles) of multi-allelic records whose other alleles have no annotation of
    #: their own: no row is proposed for those, they are named for adding by hand.
    other_alleles: list[tuple[int, str]] = field(default_factory=list)


def annotation_fields(vcf: VcfFile) -> tuple[str | None, list[str]]:
    """(VEP or SnpEff, the annotation's field names) from the header, or (None, [])."""
    infos = {line.id: line for line in vcf.header.get_lines("INFO")}
    if "CSQ" in infos:
        description = infos["CSQ"].description or ""
        if "Format:" in description:
            return VEP, [f.strip() for f in description.split("Format:", 1)[1].strip().strip('"').split("|")]
    if "ANN" in infos:
        description = (infos["ANN"].description or "").strip()
        quoted = re.search(r"'([^']+)'", description)
        names = [f.strip() for f in quoted.group(1).split("|")] if quoted else list(SNPEFF_FIELDS)
        return SNPEFF, names
    return None, []


def propose(vcf: VcfFile, sample: str | None = None) -> Proposal:
    """The rows the file proposes, for ``sample`` (default: the tumour sample).

    Raises VcfRefused when the file has no annotation to read genes from and no
    structural records either."""
    tool, names = annotation_fields(vcf)
    has_sv = any(_svtype(r.record) for r in vcf.records)
    if tool is None and not has_sv:
        raise VcfRefused(_("This VCF has no annotations: MTB reads genes and HGVS descriptions from Ensembl VEP "
                           "(INFO CSQ) or SnpEff (INFO ANN). Ask the laboratory for the annotated VCF."))
    sample = sample if sample in vcf.samples else vcf.tumour_sample
    normal = vcf.normal_sample if vcf.normal_sample != sample else None
    proposal = Proposal([], tool)
    mates: set[str] = set()
    # A fusion's mate is found by its ID: one look-up table, not a scan of the file per pair.
    by_id: dict[str, VcfRecord] = {}
    for item in vcf.records:
        if item.record.ID:
            by_id.setdefault(item.record.ID[0], item)  # an ID written twice: the first record, as a scan finds
    copy_alts = vcf_calls.copy_number_alts(vcf.header)
    first_of: dict[tuple, int] = {}
    for item in vcf.records:
        try:
            svtype = _svtype(item.record)
            if svtype == "BND" or (svtype and svtype != "NON_REF"
                                   and vcf_calls.fusion_partners(entries(item.record, tool, names))):
                rows = [_fusion(item, by_id, tool, names, mates, svtype)]
            elif svtype in _CNV_TYPES:
                if not vcf_calls.is_copy_number(item.record, _call_data(item.record, sample), svtype, copy_alts):
                    raise NotImportable(_("a structural variant (%(type)s), not a copy-number call: not imported; "
                                          "record it by hand if the report lists it", type=svtype))
                rows = _cnv(item, sample, tool, names, svtype)
            else:
                rows, unannotated = _variants(item, sample, tool, names)
                if unannotated:
                    proposal.other_alleles.append((item.line, unannotated))
            rows = [row for row in rows if row is not None]
            _mark_repeats(rows, item, first_of)
            if normal is not None:
                for row in rows:
                    if row.kind is BiomarkerKind.VARIANT:
                        _origin(row, item.record, normal)
        except NotImportable as reason:
            vcf.add_bad_line(item.line, str(reason))
            continue
        except Exception as error:  # noqa: BLE001  (an odd value in one record is listed, never a 500)
            vcf.add_bad_line(item.line, _("its values cannot be read (%(problem)s)",
                                          problem=(str(error) or error.__class__.__name__)[:200]))
            continue
        if not rows:
            if svtype != "BND":
                proposal.unannotated += 1
            continue
        proposal.rows.extend(rows)
    return proposal


class NotImportable(Exception):
    """A record MTB cannot turn into a row; the message (shown with its line) says why."""


def _mark_repeats(rows: list[ProposedRow], item: VcfRecord, first_of: dict[tuple, int]) -> None:
    """A finding the file holds twice (a record written twice; a fusion or copy-number change
    of two records): the later row names the first one's line and is not ticked by default;
    a filtered row keeps its filter in the finding's note."""
    record = item.record
    for row in rows:
        place = (record.CHROM, record.POS, record.REF, row.position) if row.kind is BiomarkerKind.VARIANT else ()
        signature = (*place, row.kind, tuple(sorted(row.values.items())))  # a fusion's BND pair and INV: once
        if signature in first_of:
            row.duplicate_of = first_of[signature]
            row.warnings.setdefault("gene", []).append(
                _("The same finding is on line %(n)d of the file: this one is not ticked.", n=row.duplicate_of))
        else:
            first_of[signature] = item.line
        if not row.passed and not row.values.get("description"):
            row.values["description"] = _("VCF filter: %(filters)s", filters=";".join(row.filters))[:500]


def _origin(row: ProposedRow, record, normal: str) -> None:
    """Somatic when the normal sample has (almost) none of the allele; a visible warning
    when it has a germline-like share of it; blank in between, when it says nothing, or
    when it has no reads there (no coverage says nothing of the origin)."""
    vaf, alt_reads = _normal_fraction(record, normal, row.allele)
    data = _call_data(record, normal)
    depth, ad = _number(data.get("DP")), vcf_calls.read_depths(data.get("AD"))
    if depth is None and ad:
        depth = Decimal(sum(ad))
    if depth is not None and depth == 0:
        return
    if alt_reads == 0 or (vaf is not None and vaf < SOMATIC_NORMAL_VAF):
        row.values.setdefault("origin", "somatic")
    elif vaf is not None and vaf >= GERMLINE_NORMAL_VAF:
        row.warnings.setdefault("origin", []).append(
            _("Present in the normal sample (VAF %(vaf)s %%): possibly germline.", vaf=vaf))


def _normal_fraction(record, normal: str, allele: int = 0) -> tuple[Decimal | None, int | None]:
    """(VAF in percent, alt reads) of an ALT (its index) in the normal sample's own columns."""
    call = record.call_for_sample.get(normal) if record.calls else None
    data = call.data if call is not None else {}
    ad = vcf_calls.read_depths(data.get("AD"))
    return _percent(_sample_fraction(data, ad, allele, record)), ad[allele + 1] if len(ad) > allele + 1 else None


def _sample_fraction(data: dict, ad: list[int], allele: int = 0, record=None) -> Decimal | None:
    """An ALT's fraction (0-1, unchecked) in one sample's columns: FORMAT AF (one value per
    ALT), else AD's share for it (AD counts the REF first), else Strelka2's tier-1 counts."""
    fraction = _number(data.get("AF"), allele) if "AF" in data else None
    if fraction is None and len(ad) > allele + 1 and sum(ad) > 0:
        fraction = Decimal(ad[allele + 1]) / Decimal(sum(ad))
    if fraction is None and record is not None:
        fraction = vcf_calls.strelka_fraction(data, record.REF, [_alt_text(a) for a in record.ALT], allele)
    return fraction


def _percent(fraction: Decimal | None) -> Decimal | None:
    """A fraction as a percentage: to 0.01 from 1 % up, below it to the form's 0.0001 % (a
    ctDNA VAF of 0.046 % stays 0.046, not 0.05, and 0.004 % is not 0); None for none or one
    outside 0-1."""
    if fraction is None or not 0 <= fraction <= 1:
        return None
    percent = fraction * 100
    return percent.quantize(Decimal("0.01") if percent >= 1 else VAF_QUANTUM)


# --- Sequence variants -------------------------------------------------------------

#: ALTs that are no finding of their own: an overlapping deletion ("*"), a gVCF's
#: "any other allele" (<NON_REF>, <*>).
_NOT_FINDINGS = {"*", "<NON_REF>", "<*>"}


def _variants(item: VcfRecord, sample: str | None, tool: str | None,
              names: list[str]) -> tuple[list[ProposedRow], str]:
    """A row for each alternative allele (a multi-allelic record holds two findings at one
    place, KRAS G12C and G12D, each with its own annotation and VAF), and the alleles of
    such a record that have no annotation of their own (named for adding by hand).

    Raises NotImportable when a multi-allelic record annotates none of its alleles."""
    record = item.record
    alts = [_alt_text(a) for a in record.ALT]
    found = entries(record, tool, names)
    rows, unannotated = [], []
    for allele, alt in enumerate(alts):
        if alt in _NOT_FINDINGS:
            continue
        row = _variant(item, sample, tool, found, alts, allele)
        if row is not None:
            rows.append(row)
        elif len(alts) > 1:
            unannotated.append(f"{record.REF}>{alt}")
    if len(alts) > 1 and found and not rows:
        raise NotImportable(_("several alternative alleles and no annotation for any of them: not importable; "
                              "add them by hand if needed"))
    return rows, ", ".join(unannotated) if rows else ""


def _variant(item: VcfRecord, sample: str | None, tool: str | None, found: list[dict], alts: list[str],
             allele: int) -> ProposedRow | None:
    """The row of one ALT (its index ``allele``), None if no annotation names its gene."""
    record = item.record
    entry = _best_entry(found, record.REF, alts, allele)
    if entry is None:
        return None
    gene = entry.get("SYMBOL") or entry.get("Gene_Name")
    if not gene:
        return None
    values = {"kind": BiomarkerKind.VARIANT.value, "gene": gene}
    if tool == VEP:
        hgvs_c, hgvs_p = entry.get("HGVSc") or "", unquote(entry.get("HGVSp") or "")
        mane = entry.get("MANE_SELECT") or entry.get("MANE") or ""
        if mane.startswith("NM_") and ":" in hgvs_c:
            values["transcript"], values["hgvs_c"] = mane, hgvs_c.split(":", 1)[1]
        else:
            values["hgvs_c"] = hgvs_c
        values["hgvs_p"] = hgvs_p
        values["exon"] = _location(entry.get("EXON"), entry.get("INTRON"))
        consequence, impact = entry.get("Consequence"), entry.get("IMPACT")
    else:
        feature = entry.get("Feature_ID") or ""
        values["transcript"] = feature if re.match(r"(NM_|ENST)", feature) else ""
        values["hgvs_c"], values["hgvs_p"] = entry.get("HGVS.c") or "", unquote(entry.get("HGVS.p") or "")
        consequence, impact = entry.get("Annotation"), entry.get("Annotation_Impact")
        rank = entry.get("Rank") or ""
        values["exon"] = _location(None, rank) if "intron" in (consequence or "") else _location(rank, None)
    values = {k: v for k, v in values.items() if v}
    vaf, depth = allele_fraction(record, sample, allele)
    if vaf is not None:
        values["vaf"] = str(vaf)
    # The first ALT's key is the line alone, as for every other record.
    row = ProposedRow(key=f"{item.line}" if allele == 0 else f"{item.line}-{allele + 1}", line=item.line,
                      kind=BiomarkerKind.VARIANT, values=values,
                      position=f"{record.CHROM}:{record.POS} {record.REF}>{alts[allele]}",
                      filters=list(record.FILTER), depth=depth, vaf=vaf,
                      consequence=(consequence or "").replace("&", ", ") or None, impact=impact, allele=allele)
    others = [] if entry.get("MANE_SELECT") or entry.get("CANONICAL") == "YES" or entry.get("PICK") == "1" \
        else vcf_calls.other_protein_changes(found, entry)
    if others:
        row.warnings["hgvs_p"] = [_(
            "The file gives other transcripts of %(gene)s another protein change (%(others)s) and does not say which "
            "is the reference one: this row uses %(transcript)s. Check it against the report.", gene=gene,
            others=", ".join(others[:3]), transcript=entry.get("Feature_ID") or entry.get("Feature") or "?")]
    return row


def entries(record, tool: str | None, names: list[str]) -> list[dict]:
    """The record's annotation entries (one per transcript and allele) as dicts by field name."""
    if tool is None:
        return []
    raw = record.INFO.get("CSQ" if tool == VEP else "ANN") or []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list):  # a value-less flag (vcfpy gives True): no annotation
        return []
    found = []
    for text in raw:
        parts = str(text).split("|")
        found.append({name: (parts[i].strip() if i < len(parts) else "") for i, name in enumerate(names)})
    return found


def _location(exon: str | None, intron: str | None) -> str | None:
    """VEP's EXON/INTRON and SnpEff's Rank ("15/18") as the form writes it: "exon 15"."""
    for where, value in (("exon", exon), ("intron", intron)):
        number = (value or "").split("/")[0].strip()
        if number.isdigit() and int(number) > 0:
            return f"{where} {int(number)}"
        if re.fullmatch(r"\d+-\d+", number):
            return f"{where} {number}"
    return None


def _alt_text(alt) -> str:
    """An ALT as the file writes it (a breakend or symbolic allele has no plain ``value``)."""
    value = getattr(alt, "value", None)
    if isinstance(value, str) and getattr(alt, "type", "") != "SYMBOLIC":  # <NON_REF> keeps its brackets
        return value
    try:
        return str(alt.serialize())
    except Exception:  # noqa: BLE001
        return str(alt)


def allele_fraction(record, sample: str | None, allele: int = 0) -> tuple[Decimal | None, int | None]:
    """(VAF in percent, depth) of an ALT (its index) in ``sample``: its FORMAT AF, else AD
    over the depth, else the record's INFO AF. Depth from FORMAT DP, else the sum of AD, else INFO DP."""
    call = record.call_for_sample.get(sample) if sample and record.calls else None
    data = call.data if call is not None else {}
    depth = _number(data.get("DP"))
    ad = vcf_calls.read_depths(data.get("AD"))
    if depth is None and len(ad) >= 2:
        depth = Decimal(sum(ad))
    if depth is None:
        depth = _number(record.INFO.get("DP"))
    fraction = _sample_fraction(data, ad, allele, record)
    if fraction is None:
        fraction = _number(record.INFO.get("AF"), allele)
    return _percent(fraction), int(depth) if depth is not None else None


# --- Copy number and fusions -------------------------------------------------------

def _svtype(record) -> str | None:
    value = record.INFO.get("SVTYPE")
    if isinstance(value, list):
        value = value[0] if value else None
    if value:
        return str(value).upper()
    alts = [_alt_text(a) for a in record.ALT]
    if any(a.startswith("<") for a in alts):
        return alts[0].strip("<>").upper()
    if any(getattr(a, "type", "") == "BND" for a in record.ALT):
        return "BND"
    return None


def _genes_of(record, tool: str | None, names: list[str]) -> list[str]:
    """Every gene the record's annotation names, in order (a deletion over MTAP, CDKN2A and
    CDKN2B names all three: the board decides on CDKN2A, not on the first listed)."""
    found: list[str] = []
    for entry in entries(record, tool, names):
        for gene in (entry.get("SYMBOL") or entry.get("Gene_Name") or "").split("&"):
            if gene.strip() and gene.strip() not in found:
                found.append(gene.strip())
    if found:
        return found
    for key in ("GENE", "GENES", "Gene"):
        value = record.INFO.get(key)
        for text in (value if isinstance(value, list) else [value] if value else []):
            for gene in re.split(r"[,&;|]", str(text)):
                if gene.strip() and gene.strip() not in found:
                    found.append(gene.strip())
        if found:
            return found
    return found


def _gene_of(record, tool: str | None, names: list[str]) -> str | None:
    genes = _genes_of(record, tool, names)
    return genes[0] if genes else None


def _cnv(item: VcfRecord, sample: str | None, tool: str | None, names: list[str], svtype: str) -> list[ProposedRow]:
    """One proposed row per gene the copy-number call covers."""
    record = item.record
    genes = _genes_of(record, tool, names)
    if not genes:
        return []
    cn, log2, direction = vcf_calls.copy_number_values(record, _call_data(record, sample))
    symbols = {_alt_text(a).strip("<>").upper() for a in record.ALT if _alt_text(a).startswith("<")}
    change = vcf_calls.copy_number_change(svtype, symbols, cn, direction, AMPLIFICATION_CN)
    rows = []
    for index, gene in enumerate(genes):
        values = {"kind": BiomarkerKind.CNV.value, "gene": gene, "cnv_type": change or "", "method": "dna_ngs"}
        values = {k: v for k, v in values.items() if v}
        warnings: dict[str, list[str]] = {}
        if change is None:  # never a gain by default: PTEN at a fold change of 0.45 is a loss
            warnings["cnv_type"] = [_("The file does not say whether this copy-number change is a gain or a loss "
                                      "(no copy number, ratio or DEL/DUP): not ticked; add it by hand from the "
                                      "report.")]
        for name, value in (("copy_number", cn), ("log2_ratio", log2)):
            if value is not None:
                values[name] = _kept_decimals(value, name, warnings)
        row = ProposedRow(key=f"{item.line}" if index == 0 else f"{item.line}-g{index + 1}", line=item.line,
                          kind=BiomarkerKind.CNV, values=values, position=f"{record.CHROM}:{record.POS} <{svtype}>",
                          filters=list(record.FILTER), consequence=svtype)
        row.warnings = warnings
        rows.append(row)
    return rows


def _kept_decimals(value: Decimal, name: str, warnings: dict[str, list[str]]) -> str:
    """A caller's number to the decimals the finding keeps (a log2 ratio of 1.58496 is 1.58),
    said beside the field: the case form refuses more decimals than it keeps from a typist,
    but a file's precision is the caller's, not a reading of the report."""
    scale = Biomarker.__table__.c[name].type.scale
    kept = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if kept != value:
        warnings.setdefault(name, []).append(
            _("The file gives %(value)s; kept to %(n)d decimals.", value=f"{value.normalize():f}", n=scale))
    return f"{kept.normalize():f}"


def _fusion(item: VcfRecord, by_id: dict[str, VcfRecord], tool: str | None, names: list[str],
            seen: set[str], svtype: str = "BND") -> ProposedRow | None:
    """One row per pair of BND mates (the first mate's line), or for a record the annotation
    calls a fusion (a tandem duplication annotated gene_fusion KIAA1549&BRAF); genes from
    SnpEff's "GENE1&GENE2" gene_fusion annotation, else each mate's gene."""
    record = item.record
    own_id = record.ID[0] if record.ID else f"line{item.line}"
    if own_id in seen:
        return None
    mate_ids = record.INFO.get("MATEID") or []
    mate_ids = [mate_ids] if isinstance(mate_ids, str) else mate_ids if isinstance(mate_ids, list) else []
    mate_ids = [str(m) for m in mate_ids if m]
    seen.add(own_id)
    seen.update(mate_ids)
    five, three = vcf_calls.fusion_partners(entries(record, tool, names)) or (None, None)
    if five is None:
        five = _gene_of(record, tool, names)
        mate = min((by_id[m] for m in mate_ids if m in by_id), key=lambda r: r.line, default=None)
        three = _gene_of(mate.record, tool, names) if mate is not None else None
    if not five and not three:
        return None
    five, three, settled = fusion_order(five, three)
    values = {"kind": BiomarkerKind.FUSION.value, "gene": five or "", "gene_3p": three or ""}
    if not five or not three:
        values["partner_unknown"] = "y"
    values = {k: v for k, v in values.items() if v}
    row = ProposedRow(key=f"{item.line}", line=item.line, kind=BiomarkerKind.FUSION, values=values,
                      position=f"{record.CHROM}:{record.POS} " + ("BND" if svtype == "BND" else f"<{svtype}>"),
                      filters=list(record.FILTER),
                      consequence="fusion")
    if not settled:
        row.warnings.setdefault("gene", []).append(_(
            "The file does not say which partner is 5′: %(five)s::%(three)s follows the order of its lines. "
            "Check it against the report.", five=five, three=three))
    return row

