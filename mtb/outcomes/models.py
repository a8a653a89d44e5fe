"""Follow-up models."""
