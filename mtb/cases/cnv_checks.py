"""A copy-number change against its numbers: a copy number or a ratio to the centromere
that says the opposite of the change chosen (a loss with 8 copies, an amplification with
1 copy, a loss at MET/CEP7 3) is refused beside the number, with bounds that leave room
for ploidy and for polysomy, so that no real report is refused."""

from __future__ import annotations

from decimal import Decimal

from mtb.cases.biomarker_labels import shown
from mtb.cases.findings import CnvType
from mtb.i18n import gettext as _

#: A copy number is absolute, but the normal it is compared with is 2 for an autosome, 1
#: for a gene on a man's X chromosome (an AR gain has 2 copies) and about 4 in a tetraploid
#: tumour (a loss at 3 copies is real). So a gain is refused at 1 copy or fewer, an
#: amplification (high-level) at 2 or fewer, a loss or a deletion above 4.
MOST_COPIES_REFUSED = {CnvType.GAIN: Decimal(1), CnvType.AMPLIFICATION: Decimal(2)}
FEWEST_COPIES_REFUSED = {CnvType.LOSS: Decimal(4), CnvType.DELETION: Decimal(4)}  # refused above

#: A ratio to the centromere near 1 fits both ways (polysomy: a MET gain at MET/CEP7 1.0;
#: monosomy: a loss at 1.0). A gain is refused only below 0.8 (the usual FISH deletion
#: cut-off), a loss only above 1.5 (a relative gain).
GAIN_RATIO_REFUSED_BELOW = Decimal("0.8")
LOSS_RATIO_REFUSED_ABOVE = Decimal("1.5")


def is_gain(cnv_type: CnvType) -> bool:
    return cnv_type in (CnvType.GAIN, CnvType.AMPLIFICATION)


def cnv_contradictions(cnv_type: CnvType, copies: Decimal | None, ratio: Decimal | None) -> list[tuple[str, str]]:
    """(field, message) for each number that contradicts ``cnv_type``; none when they fit."""
    found = []
    if copies is not None:
        # The change is named in brackets: "a %(change)s" would read "a amplification".
        if cnv_type is CnvType.GAIN and copies <= MOST_COPIES_REFUSED[cnv_type]:
            found.append(("copy_number", _(
                "A copy number of %(value)s does not fit the change chosen (%(change)s): a gain has more copies than "
                "normal (2, or 1 for a gene on a man's X chromosome). Check the copy number or the type.",
                value=shown(copies), change=cnv_type.label)))
        elif cnv_type is CnvType.AMPLIFICATION and copies <= MOST_COPIES_REFUSED[cnv_type]:
            found.append(("copy_number", _(
                "A copy number of %(value)s does not fit the change chosen (%(change)s): an amplification has well "
                "over 2 copies. Check the copy number or the type.", value=shown(copies), change=cnv_type.label)))
        elif cnv_type in FEWEST_COPIES_REFUSED and copies > FEWEST_COPIES_REFUSED[cnv_type]:
            found.append(("copy_number", _(
                "A copy number of %(value)s does not fit the change chosen (%(change)s): a loss or a deletion has "
                "fewer copies than normal (2, or 4 in a tetraploid tumour). Check the copy number or the type.",
                value=shown(copies), change=cnv_type.label)))
    if ratio is not None and (ratio < GAIN_RATIO_REFUSED_BELOW if is_gain(cnv_type)
                              else ratio > LOSS_RATIO_REFUSED_ABOVE):
        found.append(("cn_ratio", _(
            "A ratio to the centromere of %(value)s does not fit the change chosen (%(change)s): a gain is above 1, a "
            "loss below. Check the ratio or the type.", value=shown(ratio), change=cnv_type.label)))
    return found
