"""What the home page shows a user: the work waiting for them."""

from __future__ import annotations

from mtb import panels


def dashboard(user) -> dict:
    """Each part adds its panel with ``@panel("home", priority=...)``."""
    return {"panels": panels.collect("home", user)}
