"""Notifications pages."""

from mtb.notifications import bp  # noqa: F401
