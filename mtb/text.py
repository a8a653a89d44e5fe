"""Small helpers on typed values that every part uses the same way."""

from __future__ import annotations

from datetime import date


def clean_text(value) -> str | None:
    """Trimmed text, or None for nothing but blanks (a blank field stores NULL, not "")."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def age_on(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_on(born: date, on: date) -> int:
    """Whole months from ``born`` to ``on`` (a child's age is read in months under two)."""
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
