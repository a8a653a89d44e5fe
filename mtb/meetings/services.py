"""Meetings services."""
