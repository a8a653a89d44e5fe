"""Notifications services."""
