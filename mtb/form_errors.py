"""A service's refusal shown where the user typed it: next to the form's field."""

from __future__ import annotations


def show_error(form, name: str | None, message: str, default: str) -> None:
    """Add ``message`` to the errors of ``form``'s field ``name``, or of its field ``default``
    when the form has no such field (a message about the whole form)."""
    field = getattr(form, name, None) if name else None
    if field is None or not hasattr(field, "errors"):
        field = getattr(form, default)
    field.errors = [*field.errors, message]
