"""What the cases part answers for the parts below it."""

from __future__ import annotations

from mtb.cases.genes import GeneStatus, check_symbol
from mtb.signals import gene_symbol_wanted


@gene_symbol_wanted.connect
def approved_symbols(sender, **kwargs) -> tuple[str, ...]:
    """The approved symbol(s) a typed symbol stands for (HER2 -> ("ERBB2",)), () for none."""
    check = check_symbol(kwargs.get("symbol") or "")
    return () if check.status is GeneStatus.UNKNOWN else check.approved
