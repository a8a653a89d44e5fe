"""Decisions services."""
