"""Decisions pages."""

from mtb.decisions import bp  # noqa: F401
