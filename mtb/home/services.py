"""What the home page shows a user: the work waiting for them."""

from __future__ import annotations

import importlib


def dashboard(user) -> dict:
    """Each part contributes a section through ``<part>.services.home_section(user)``."""
    sections = []
    for part in ("cases", "meetings", "decisions"):
        module = importlib.import_module(f"mtb.{part}.services")
        section = getattr(module, "home_section", None)
        if section is not None:
            sections.append(section(user))
    return {"sections": [s for s in sections if s]}
