"""Minutes pages."""

from mtb.minutes import bp  # noqa: F401
