"""Cases services."""
