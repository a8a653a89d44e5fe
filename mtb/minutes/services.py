"""Minutes services."""
