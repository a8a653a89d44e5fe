"""Decisions models (see DESIGN.md)."""
