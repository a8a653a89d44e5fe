"""What the outcomes part does when a lower part reports news."""

from __future__ import annotations

from mtb import signals
from mtb.decisions.models import Decision
from mtb.outcomes import services


@signals.decision_validated.connect
def carry_follow_ups_over(decision: Decision, *, user, previous: Decision | None = None, **_kwargs) -> None:
    """A correction keeps the follow-ups recorded on the version it replaces (the dashboards
    and the case page read the current version's)."""
    services.carry_over(decision, previous, user)
