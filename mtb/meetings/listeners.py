"""What the meetings part does when a lower part sends news (see ``mtb.signals``)."""

from __future__ import annotations

from mtb.meetings import cadence, pool, services
from mtb.signals import board_settings_changed, case_submitted, case_withdrawn, upcoming_meetings_wanted


@case_submitted.connect
def propose_submitted_case(case, **kwargs) -> None:
    """The case waits in the pool, proposed for the board's next meeting."""
    services.propose_for_next_meeting(case, now=kwargs.get("now"), user=kwargs.get("user"))


@case_withdrawn.connect
def remove_withdrawn_case(case, **kwargs) -> None:
    """The case leaves the open agendas it was on."""
    services.remove_withdrawn_case(case, user=kwargs.get("user"))


@board_settings_changed.connect
def follow_board_settings(board, **kwargs) -> dict[str, int]:
    """The board's coming meetings follow its new cadence, length and place: what happened
    to them (``cadence.apply_board_settings``), for the settings page to say."""
    return cadence.apply_board_settings(board, kwargs.get("now"), previous=kwargs.get("previous"))


@upcoming_meetings_wanted.connect
def upcoming_meetings_of_cases(sender, **kwargs):
    """{case_id: (meeting, proposed)} for the listed cases (see ``pool.next_meetings``)."""
    return pool.next_meetings(list(kwargs.get("cases") or ()), kwargs.get("now"))
