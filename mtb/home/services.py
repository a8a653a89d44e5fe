"""What the home page shows a user: the work waiting for them."""

from __future__ import annotations

from mtb.sections import collect


def dashboard(user) -> dict:
    """Each part adds a panel through ``<part>.services.home_section(user)``."""
    return {"sections": collect("home_section", user)}
