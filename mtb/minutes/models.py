"""Minutes models (see DESIGN.md)."""
