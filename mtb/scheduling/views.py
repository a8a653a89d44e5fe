"""Scheduling pages."""

from mtb.scheduling import bp  # noqa: F401
