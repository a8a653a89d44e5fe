"""Cases pages."""

from mtb.cases import bp  # noqa: F401
