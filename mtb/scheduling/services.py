"""Scheduling services."""
