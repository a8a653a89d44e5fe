"""What a VCF record's caller says beyond the annotation's gene: which annotation entry
a board reads (the most severe consequence, then the gene's MANE or canonical
transcript), the direction of a copy-number call, whether a DEL/DUP record is a
copy-number call or a structural variant, a fusion named by the annotation, and the
allele fraction written the way Strelka2 writes it (base and indel tier counts).

``vcf_rows`` turns these into the rows the review proposes.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

#: Annotation impacts, most severe first (VEP's IMPACT, SnpEff's Annotation_Impact).
_IMPACTS = ("HIGH", "MODERATE", "LOW", "MODIFIER")
#: Sequence Ontology consequences, most severe first (Ensembl's published order; SnpEff
#: writes the same terms, and a few of its own placed where they belong).
_CONSEQUENCES = (
    "transcript_ablation", "exon_loss_variant", "gene_fusion", "bidirectional_gene_fusion", "splice_acceptor_variant",
    "splice_donor_variant", "stop_gained", "frameshift_variant", "stop_lost", "start_lost",
    "transcript_amplification", "feature_elongation", "feature_truncation", "inframe_insertion",
    "inframe_deletion", "disruptive_inframe_insertion", "disruptive_inframe_deletion", "conservative_inframe_insertion",
    "conservative_inframe_deletion", "missense_variant", "protein_altering_variant", "splice_donor_5th_base_variant",
    "splice_region_variant", "splice_donor_region_variant", "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant", "start_retained_variant", "stop_retained_variant", "synonymous_variant",
    "coding_sequence_variant", "mature_miRNA_variant", "5_prime_UTR_variant", "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant", "intron_variant", "NMD_transcript_variant", "non_coding_transcript_variant",
    "coding_transcript_variant", "upstream_gene_variant", "downstream_gene_variant", "intergenic_region",
    "intergenic_variant",
)
_RANK = {term: index for index, term in enumerate(_CONSEQUENCES)}
#: Annotation terms of a fusion of two genes (SnpEff writes the genes "GENE1&GENE2").
FUSION_TERMS = ("gene_fusion", "bidirectional_gene_fusion")
#: SVTYPEs that say a copy-number call whatever else the record holds.
COPY_NUMBER_TYPES = {"CNV", "AMP", "GAIN", "LOSS"}


def number(value, index: int = 0) -> Decimal | None:
    """A number of the file (a list's ``index``-th: one value per ALT); None for none or "."."""
    if isinstance(value, list):
        value = value[index] if len(value) > index else None
    if value is None or value == ".":
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def call_data(record, sample: str | None) -> dict:
    """One sample's FORMAT values of a record (none when the sample is not named)."""
    call = record.call_for_sample.get(sample) if sample and record.calls else None
    return call.data if call is not None else {}


# --- Which annotation entry --------------------------------------------------------

def severity(entry: dict) -> tuple[int, int]:
    """(impact rank, consequence rank) of an entry: smaller is more severe."""
    impact = (entry.get("IMPACT") or entry.get("Annotation_Impact") or "").upper()
    terms = (entry.get("Consequence") or entry.get("Annotation") or "").split("&")
    return (_IMPACTS.index(impact) if impact in _IMPACTS else len(_IMPACTS),
            min((_RANK.get(t.strip(), len(_RANK)) for t in terms), default=len(_RANK)))


def _gene(entry: dict) -> str:
    return entry.get("SYMBOL") or entry.get("Gene_Name") or ""


def best_entry(found: list[dict], ref: str, alts: list[str], allele: int) -> dict | None:
    """The entry the board reads for one ALT: in the gene of VEP's picked entry (--pick,
    --flag_pick) when the file has the flag, else of the most severe consequence (a
    neighbouring gene's upstream entry listed first is not the finding), its MANE
    Select, else its canonical transcript, else its most severe protein-coding entry with
    an HGVS c., else its most severe entry (SnpEff sorts the most severe first)."""
    if len(alts) > 1:  # several alleles: this ALT's entries only (VEP's --allele_number names it by number)
        written = {alts[allele], vep_allele(ref, alts, allele)}
        found = [e for e in found if e.get("Allele") in written or e.get("ALLELE_NUM") == str(allele + 1)]
    if not found:
        return None
    worst = min(severity(e) for e in found)
    tied = [e for e in found if severity(e) == worst]
    # VEP's pick names the gene; else, two genes equally hit: the one whose MANE or canonical transcript says so.
    lead = next((e for e in found if e.get("PICK") == "1"), None) or \
        next((e for e in tied if e.get("MANE_SELECT") or e.get("CANONICAL") == "YES"), tied[0])
    gene = _gene(lead)
    same_gene = [e for e in found if _gene(e) == gene]
    ordered = sorted(same_gene, key=severity)  # stable: the file's order among equals
    for test in (lambda e: e.get("MANE_SELECT"), lambda e: e.get("CANONICAL") == "YES",
                 lambda e: (e.get("BIOTYPE") or e.get("Transcript_BioType")) == "protein_coding"
                 and (e.get("HGVSc") or e.get("HGVS.c"))):
        chosen = [e for e in ordered if test(e)]
        if chosen:
            return chosen[0]
    return ordered[0]


def other_protein_changes(found: list[dict], chosen: dict) -> list[str]:
    """Other transcripts of the chosen entry's gene, equally severe, that change the protein
    differently ("p.V600E on ENST00000646891.2"): said beside the row when the file does
    not flag which transcript is the reference one (SnpEff)."""
    gene, rank, own = _gene(chosen), severity(chosen), chosen.get("HGVS.p") or chosen.get("HGVSp") or ""
    others = []
    for entry in found:
        protein = entry.get("HGVS.p") or entry.get("HGVSp") or ""
        feature = entry.get("Feature_ID") or entry.get("Feature") or ""
        if entry is chosen or _gene(entry) != gene or severity(entry) != rank or not protein or protein == own:
            continue
        text = f"{protein} ({feature})" if feature else protein
        if text not in others:
            others.append(text)
    return others


def vep_allele(ref: str, alts: list[str], allele: int = 0) -> str:
    """An ALT as VEP writes it in CSQ's Allele: the base all alleles share first is
    stripped when the record holds an indel, an empty allele is "-"."""
    alleles = [ref, *alts]
    if len({a[:1] for a in alleles}) == 1 and len({len(a) for a in alleles}) > 1:
        return alts[allele][1:] or "-"
    return alts[allele]


def fusion_partners(entries: list[dict]) -> tuple[str, str] | None:
    """The two genes an annotation names as fused ("KIAA1549&BRAF" with gene_fusion), in its order."""
    for entry in entries:
        terms = (entry.get("Annotation") or entry.get("Consequence") or "").split("&")
        genes = [g.strip() for g in _gene(entry).split("&") if g.strip()]
        if any(t.strip() in FUSION_TERMS for t in terms) and len(genes) >= 2:
            return genes[0], genes[-1] if len(genes) == 2 else genes[1]
    return None


# --- Copy number -------------------------------------------------------------------

def copy_number_values(record, data: dict) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(copy number, log2 ratio, direction the ratios say: "gain", "loss" or None). The copy
    number from INFO or FORMAT CN; the log2 ratio from LOG2/LOG2R (INFO or FORMAT); the
    direction from the log2 ratio, else a log fold change (FOLD_CHANGE_LOG: its sign), else a
    linear fold change or copy ratio (FOLD_CHANGE, FORMAT FC or SM: above or below 1)."""
    info = record.INFO
    cn = number(info.get("CN"))
    if cn is None:
        cn = number(data.get("CN"))
    log2 = None
    for value in (info.get("LOG2"), info.get("LOG2R"), data.get("LOG2"), data.get("LOG2R")):
        log2 = number(value)
        if log2 is not None:
            break
    direction = None
    logs = [v for v in (log2, number(info.get("FOLD_CHANGE_LOG")), number(data.get("FOLD_CHANGE_LOG")))
            if v is not None]
    linear = [v for v in (number(info.get("FOLD_CHANGE")), number(data.get("FC")), number(data.get("SM")))
              if v is not None and v >= 0]
    if logs and logs[0] != 0:
        direction = "gain" if logs[0] > 0 else "loss"
    elif linear and linear[0] != 1:
        direction = "gain" if linear[0] > 1 else "loss"
    return cn, log2, direction


def is_copy_number(record, data: dict, svtype: str, copy_number_alts: set[str]) -> bool:
    """Whether a DEL/DUP/CNV record is a copy-number call: its SVTYPE says CNV (or AMP, GAIN,
    LOSS), it gives a copy number or a ratio, or the header's ##ALT defines its symbol as a
    copy-number change. An SV caller's deletion (Manta's <DEL> with split reads) is none."""
    if svtype in COPY_NUMBER_TYPES:
        return True
    cn, log2, direction = copy_number_values(record, data)
    if cn is not None or log2 is not None or direction is not None:
        return True
    symbols = {str(a.serialize()).strip("<>").upper() for a in record.ALT if a.serialize().startswith("<")}
    return bool(symbols & copy_number_alts) or "CNV" in symbols


def copy_number_alts(header) -> set[str]:
    """The symbolic ALTs the header's ##ALT lines describe as copy-number changes (DRAGEN:
    ``<ID=DEL,Description="Copy number loss">``)."""
    found = set()
    for line in header.get_lines("ALT"):
        description = str(getattr(line, "description", "") or "").lower()
        if "copy number" in description or "copy-number" in description:
            found.add(str(line.id).upper())
    return found


def copy_number_change(svtype: str, alt_symbols: set[str], cn: Decimal | None, direction: str | None,
                       amplification_cn: Decimal) -> str | None:
    """The change a copy-number call reports: from its copy number (0 deletion, under 2 a
    loss, from ``amplification_cn`` an amplification, above 2 a gain), else the direction
    its ratios say, else its SVTYPE or ALT symbol (DEL, LOSS: loss; DUP, GAIN: gain; AMP:
    amplification); None when nothing says which way (a bare <CNV>)."""
    if cn is not None and cn != 2:
        if cn == 0:
            return "deletion"
        if cn < 2:
            return "loss"
        return "amplification" if cn >= amplification_cn else "gain"
    if svtype == "AMP" or "AMP" in alt_symbols:
        return "amplification"
    if direction is not None:
        return direction
    words = {svtype, *alt_symbols}
    losses, gains = words & {"DEL", "LOSS"}, words & {"DUP", "DUP:TANDEM", "GAIN"}
    if losses and not gains:
        return "loss"
    if gains and not losses:
        return "gain"
    return None


# --- Allele fraction (Strelka2) -------------------------------------------------------

def strelka_fraction(data: dict, ref: str, alts: list[str], allele: int) -> Decimal | None:
    """An ALT's fraction (0-1) from Strelka2's tier-1 counts: an SNV's base count (AU, CU,
    GU, TU) over the four; an indel's TIR over TIR + TAR. None without them."""
    alt = alts[allele] if len(alts) > allele else ""
    if len(ref) == 1 and len(alt) == 1 and alt.upper() in "ACGT":
        counts = {base: _tier1(data.get(f"{base}U")) for base in "ACGT"}
        if any(c is None for c in counts.values()):
            return None
        total = sum(counts.values())
        return Decimal(counts[alt.upper()]) / Decimal(total) if total > 0 else None
    tir, tar = _tier1(data.get("TIR")), _tier1(data.get("TAR"))
    if tir is None or tar is None or tir + tar <= 0 or len(alts) > 1:
        return None
    return Decimal(tir) / Decimal(tir + tar)


def _tier1(value) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
            (isinstance(value, float) and not math.isfinite(value)):
        return None
    return int(value)


def read_depths(ad) -> list[int]:
    """FORMAT AD as read counts: integers only (anything else: none)."""
    if not isinstance(ad, list):
        return []
    ad = [a for a in ad if a is not None]
    return ad if all(isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in ad) else []
