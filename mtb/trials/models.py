"""Trial registry models."""
