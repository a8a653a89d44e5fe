"""Gene symbols as typed in a biomarker row: approved HGNC symbols pass, aliases are
refused with the approved symbol offered, clinical names that are another gene's symbol
pass with a warning (TTF1 is NKX2-1 in a pathology report), a fusion typed as one gene
(EML4::ALK) is offered as its two partners; and the genes of a negative panel."""

from __future__ import annotations

import re

from mtb.cases.genes import GeneStatus, check_symbol, clean_symbol, table_date
from mtb.cases.problems import Problems
from mtb.cases.vocab import CLINICAL_NAMES, FUSION_DRIVERS, GENE_FAMILIES
from mtb.i18n import gettext as _


def fusion_partners(typed: str) -> tuple[str, str] | None:
    """The (5′, 3′) approved symbols of a fusion typed as one gene, else None.

    "EML4::ALK" always reads as a fusion; "EML4-ALK" or "EML4/ALK" only when the whole is
    no symbol itself (NKX2-1 and H3-3A are genes) and both halves are approved symbols.
    """
    text = re.sub(r"\s+", "", clean_symbol(typed))
    if "::" in text:
        candidates = [tuple(text.split("::", 1))]
    elif check_symbol(text).status is GeneStatus.UNKNOWN:
        candidates = [(text[:i], text[i + 1:]) for i, ch in enumerate(text) if ch in "-/"]
    else:
        return None
    for five, three in candidates:
        five_found, three_found = check_symbol(five), check_symbol(three)
        if five_found.status is GeneStatus.APPROVED and three_found.status is GeneStatus.APPROVED:
            return five_found.approved[0], three_found.approved[0]
    return None


def check_gene(value: str, name: str, problems: Problems, *, fusion_offer: bool = True) -> str | None:
    """The approved symbol, or None with the problem recorded next to ``name``."""
    if fusion_offer and (partners := fusion_partners(value)):
        problems.add(name, _("%(typed)s names both partners of a fusion: record it as a fusion with %(five)s as the "
                             "5′ partner and %(three)s as the 3′ partner.", typed=clean_symbol(value), five=partners[0],
                             three=partners[1]))
        problems.splits[name] = partners
        return None
    result = check_symbol(value)
    if result.status is GeneStatus.APPROVED:
        symbol = result.approved[0]
        meant = CLINICAL_NAMES.get(symbol)
        if meant is not None:
            problems.warn(name, _("%(symbol)s is the approved symbol of another gene (%(what)s); in pathology "
                                  "reports %(symbol)s usually means %(meant)s. Use %(meant)s if that is the gene "
                                  "tested.", symbol=symbol, what=meant[1], meant=meant[0]))
            problems.suggestions[name] = (meant[0],)
        return symbol
    if result.status is GeneStatus.ALIAS:
        if len(result.approved) == 1:
            problems.add(name, _("%(typed)s is an alias or previous symbol of %(approved)s; use the approved HGNC symbol %(approved)s.", typed=result.typed, approved=result.approved[0]))
        else:
            problems.add(name, _("%(typed)s is an alias of several genes (%(genes)s); choose the approved HGNC symbol you mean.", typed=result.typed, genes=", ".join(result.approved)))
        problems.suggestions[name] = result.approved
        return None
    problems.add(name, _("%(typed)s is not an HGNC gene symbol (table of %(date)s). Check the spelling, e.g. EGFR, "
                         "ERBB2, CDKN2A; an administrator adds symbols approved since.", typed=result.typed,
                         date=table_date()))
    return None


def obvious_driver(five: str | None, three: str | None) -> str | None:
    """"5p" or "3p" when exactly one partner is a known driver (or only one is known)."""
    if five and not three:
        return "5p"
    if three and not five:
        return "3p"
    drives = (five in FUSION_DRIVERS, three in FUSION_DRIVERS)
    if drives == (True, False):
        return "5p"
    if drives == (False, True):
        return "3p"
    return None


_ITEM = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)(\s*)(.*)", re.S)

#: What a report writes after a gene or an alteration it did not find ("ROS1 negative",
#: "EGFR: wild-type", "KRAS wt", "ALK (not detected)", "BRAF négatif"): the whole list is of
#: what was not detected, so these words are dropped from the end of an item.
_NEGATION = (r"(?:negative|neg|not\s+detected|none\s+detected|undetected|wild[\s-]?type|wt|n[ée]gati(?:f|ve)s?"
             r"|non\s+d[ée]tect[ée]e?s?)")
_TRAILING_NEGATION = re.compile(rf"(?:\s*[:=-]\s*|\s+)\(?{_NEGATION}\.?\)?$", re.IGNORECASE)
_ONLY_NEGATION = re.compile(rf"[:=\s-]*\(?{_NEGATION}\.?\)?", re.IGNORECASE)


def _split_outside_brackets(text: str) -> list[tuple[str, bool]]:
    """(item, came after a column break) for the items of ``text``: commas, semicolons and
    lines separate items, and so do a tab or two spaces or more (columns of a table pasted
    from a report), all outside brackets."""
    items: list[tuple[str, bool]] = []
    current: list[str] = []
    depth, column, i = 0, False, 0
    while i < len(text):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        column_break = char == "\t" or text.startswith("  ", i)
        if depth == 0 and (char in ",;\n" or column_break):
            items.append(("".join(current), column))
            current, column = [], column_break
            while column_break and i + 1 < len(text) and text[i + 1] in " \t":
                i += 1
        else:
            current.append(char)
        i += 1
    items.append(("".join(current), column))
    return items


def _continues(item: str) -> bool:
    """A column that goes on with the item before it ("exon 19 deletion", "skipping"): its
    first word is in lower case and no gene symbol, alias or family."""
    word = item.split()[0]
    return word[0].islower() and word.upper() not in GENE_FAMILIES \
        and check_symbol(word).status is GeneStatus.UNKNOWN


def without_negation(item: str) -> str:
    """"ROS1 negative" -> "ROS1"; "MET exon 14: not detected" -> "MET exon 14"."""
    while (stripped := _TRAILING_NEGATION.sub("", item).strip()) != item and stripped:
        item = stripped
    return item


def panel_items(text: str | None) -> list[str]:
    """A "tested, not detected" list as typed: items separated by commas, semicolons, lines,
    tabs or runs of spaces outside brackets ("KRAS (codons 12, 13, 61)" is one item), each
    cleaned like a symbol (a zero-width space pasted from a PDF is not part of the item),
    without the words saying it was not found ("ROS1 negative" is ROS1); "ALK/ROS1/RET" is
    three items when each part is a gene (NTRK1/2/3 stays one). A column in lower case
    goes on with the item before it ("EGFR<tab>exon 19 deletion"); one that only says
    "negative" is dropped."""
    joined: list[str] = []
    for item, column in _split_outside_brackets(clean_symbol(text)):
        item = item.strip()
        if not item or _ONLY_NEGATION.fullmatch(item):
            continue
        if column and joined and _continues(item):
            joined[-1] = f"{joined[-1]} {item}"
        else:
            joined.append(item)
    found = []
    for item in (without_negation(item) for item in joined):
        parts = [part.strip() for part in item.split("/")]
        if len(parts) > 1 and all(_is_gene(part) for part in parts):
            found.extend(parts)
        else:
            found.append(item)
    return found


def _is_gene(text: str) -> bool:
    return bool(text) and (check_symbol(text).status is GeneStatus.APPROVED or text.upper() in GENE_FAMILIES)


def check_negative_panel(text: str | None, name: str, problems: Problems) -> list[str]:
    """"EGFR, ALK, ROS1, MET exon 14, NTRK fusions" -> the items, each starting with an
    approved symbol (or a family such as NTRK), what follows kept as typed."""
    items = panel_items(text)
    if not items:
        problems.add(name, _("List the genes or alterations tested and not detected, e.g. EGFR, ALK, ROS1, BRAF, "
                             "KRAS, MET exon 14, RET, NTRK."))
        return []
    kept: list[str] = []
    for item in items:
        match = _ITEM.fullmatch(item)
        symbol = match[1] if match else item
        # What follows the symbol, as typed (EGFR(ex18-21) keeps its spacing), spaces folded.
        space = " " if match and match[2] else ""
        rest = re.sub(r"\s+", " ", match[3]).strip() if match else ""
        found = check_symbol(symbol)
        if found.status is GeneStatus.APPROVED:
            gene = found.approved[0]
        elif symbol.upper() in GENE_FAMILIES:
            gene = symbol.upper()
        elif found.status is GeneStatus.ALIAS and len(found.approved) == 1:
            problems.add(name, _("%(typed)s is an alias of %(approved)s: write %(approved)s in the list, e.g. "
                                 "%(approved)s, ALK, ROS1.", typed=symbol, approved=found.approved[0]))
            continue
        else:
            problems.add(name, _("“%(item)s” does not start with a gene symbol; list the genes or alterations tested, "
                                 "e.g. EGFR, ALK, ROS1, MET exon 14, NTRK fusions.", item=item))
            continue
        entry = f"{gene}{space}{rest}".strip()
        if entry not in kept:
            kept.append(entry)
    return kept
