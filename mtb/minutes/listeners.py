"""What the minutes part does when a lower part reports news."""

from __future__ import annotations

from mtb import signals
from mtb.decisions.models import Decision
from mtb.minutes import services


@signals.decision_validated.connect
def publish_correction_of_signed_minutes(decision: Decision, *, user, publish: bool = True, **_kwargs) -> None:
    """A correction validated once the minutes are signed is published at once, with new minutes.

    While the chair signs (``publish=False``) the signature publishes everything itself."""
    if publish and decision.meeting.is_signed:
        services.publish_correction(decision, user)
