"""Panels: what one part shows on a page another part owns (the home page, the case page).

A part registers a provider with ``@panel("home", priority=20)`` in its ``panels``
module; the owning page calls ``collect("home", user)`` and renders each panel with
``render_panel``. Lower priorities come first. A provider returns ``None`` when it has
nothing to show. The partial is rendered with the panel's own context, so it names its
data itself and does not depend on the page that includes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup

#: The pages that gather panels, and what their providers receive.
PAGES = {
    "home": "(user)",
    "case": "(case, user)",
    "meeting": "(meeting, user)",
}


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: The panel already printed (a provider that keeps its HTML): shown as it is.
    html: Markup | None = None

    @classmethod
    def printed(cls, template: str, context: dict[str, Any]) -> Panel:
        """The panel printed now, to be kept by its provider."""
        return cls(template, html=Markup(render_template(template, **context)))


_providers: dict[str, list[tuple[int, str, Callable[..., Panel | None]]]] = {page: [] for page in PAGES}


def panel(page: str, *, priority: int) -> Callable:
    """Register the decorated function as a provider of panels for ``page``."""
    if page not in PAGES:
        raise ValueError(f"unknown panel page {page!r}; known: {', '.join(PAGES)}")

    def register(provider: Callable[..., Panel | None]) -> Callable[..., Panel | None]:
        name = f"{provider.__module__}.{provider.__qualname__}"
        # Importing a module twice (tests, reloads) must not show its panel twice.
        _providers[page][:] = [entry for entry in _providers[page] if entry[1] != name]
        _providers[page].append((priority, name, provider))
        _providers[page].sort(key=lambda entry: (entry[0], entry[1]))
        return provider

    return register


def collect(page: str, *args) -> list[Panel]:
    """The panels every registered provider has for this page, in priority order."""
    panels = []
    for _priority, _name, provider in _providers[page]:
        result = provider(*args)
        if result is not None:
            panels.append(result)
    return panels


def render_panel(item: Panel) -> Markup:
    if item.html is not None:
        return item.html
    return Markup(render_template(item.template, **item.context))


def init_app(app) -> None:
    app.jinja_env.globals["render_panel"] = render_panel
