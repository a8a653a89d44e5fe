"""Meetings pages."""

from mtb.meetings import bp  # noqa: F401
