"""Registers each part's CLI commands (a part with commands has a ``cli.py`` with ``register(app)``)."""

from __future__ import annotations

import importlib
import importlib.util


def init_app(app) -> None:
    from mtb import PARTS

    for part in PARTS:
        name = f"mtb.{part}.cli"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)
    from mtb import backup, seed

    seed.register(app)
    backup.register(app)
