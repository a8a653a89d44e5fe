"""Enums whose members carry the words a reader sees: ``CaseStatus.DRAFT.label``."""

from __future__ import annotations

import enum

#: Each labelled enum's words, by member (lazy strings: translated when shown). A member
#: without an entry reads as its value (MSI-H, GRCh38, 22C3: the same in every language).
LABELS: dict[type[enum.Enum], dict] = {}


class Labelled(enum.StrEnum):
    """An enum whose members carry the words a reader sees (translated when shown)."""

    @property
    def label(self) -> str:
        return LABELS.get(type(self), {}).get(self, self.value)
