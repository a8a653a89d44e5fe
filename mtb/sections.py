"""Pages that gather panels from several parts (home, case page) ask each part here.

A part contributes by defining ``<hook>(...)`` in its ``services`` module, returning
``None`` or a dict with a ``template`` key (the partial to include) and its data.
"""

from __future__ import annotations

import importlib

from mtb import PARTS


def collect(hook: str, *args) -> list[dict]:
    panels = []
    for part in PARTS:
        try:
            module = importlib.import_module(f"mtb.{part}.services")
        except ModuleNotFoundError:
            continue
        provider = getattr(module, hook, None)
        if provider is not None:
            panel = provider(*args)
            if panel:
                panels.append(panel)
    return panels
