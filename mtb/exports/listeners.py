"""What the exports part does when the parts below it publish."""

from __future__ import annotations

from mtb.exports import services
from mtb.signals import decision_published


@decision_published.connect
def keep_published_bundle(decision, **kwargs) -> None:
    """The decision's FHIR Bundle as published: its export serves this from now on."""
    services.keep_bundle(decision)
