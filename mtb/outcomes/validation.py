"""Checking a follow-up entry: every problem at once, each next to its field."""

from __future__ import annotations

from datetime import date

from mtb.errors import InvalidInput
from mtb.formatting import local_date
from mtb.i18n import gettext as _
from mtb.outcomes.models import NotImplementedReason, Response, TreatmentAccess

#: Lines of therapy a follow-up can name.
MAX_LINE = 20


class FollowUpInputError(InvalidInput):
    """Several fields refused at once: ``problems`` maps each field to its message."""

    def __init__(self, problems: dict[str, str]):
        field, message = next(iter(problems.items()))
        super().__init__(field, message)
        self.problems = problems


def _choice(value, enum_cls, field: str, message: str, problems: dict):
    if value in (None, ""):
        return None
    try:
        return enum_cls(value)
    except ValueError:
        problems[field] = message
        return None


def check_follow_up(values: dict, *, decided_on: date, today: date) -> dict:
    """The entry as stored, or FollowUpInputError. ``values`` holds typed values (dates as
    ``date``, line as ``int``) from the form; dates must follow the decision, then each other."""
    problems: dict[str, str] = {}
    implemented = values.get("implemented")
    out: dict = {"note": (values.get("note") or "").strip() or None}
    if implemented not in (True, False):
        problems["implemented"] = _("Say whether the recommendation was implemented.")
        raise FollowUpInputError(problems)
    out["implemented"] = implemented
    if implemented:
        started = values.get("started_on")
        if started is None:
            problems["started_on"] = _("Give the date the treatment started.")
        elif started < decided_on:
            problems["started_on"] = _("The treatment cannot start before the board's decision (%(day)s).",
                                       day=local_date(decided_on))
        elif started > today:
            problems["started_on"] = _("The start date is in the future.")
        for field, label in (("response_on", _("The response")), ("stopped_on", _("The stop"))):
            day = values.get(field)
            if day is not None and started is not None and day < started:
                problems[field] = _("%(what)s cannot come before the start of the treatment (%(day)s).",
                                    what=label, day=local_date(started))
            elif day is not None and day > today:
                problems[field] = _("This date is in the future.")
        line = values.get("line")
        if line is not None and not (1 <= line <= MAX_LINE):
            problems["line"] = _("Give a line of therapy between 1 and 20.")
        out.update(
            drug=(values.get("drug") or "").strip()[:200] or None, started_on=started, line=line,
            access=_choice(values.get("access"), TreatmentAccess, "access", _("Choose how the treatment was obtained."),
                           problems),
            best_response=_choice(values.get("best_response"), Response, "best_response",
                                  _("Choose a RECIST 1.1 response."), problems),
            response_on=values.get("response_on"), stopped_on=values.get("stopped_on"),
            stop_reason=(values.get("stop_reason") or "").strip()[:300] or None,
            serious_toxicity=bool(values.get("serious_toxicity")),
            toxicity_note=(values.get("toxicity_note") or "").strip()[:300] or None,
            reason=None, reason_other=None,
        )
        if out["best_response"] is not None and out["response_on"] is None and "response_on" not in problems:
            problems["response_on"] = _("Give the date the response was assessed.")
        if out["stopped_on"] is not None and not out["stop_reason"]:
            problems["stop_reason"] = _("Say why the treatment stopped.")
    else:
        reason = _choice(values.get("reason"), NotImplementedReason, "reason", _("Choose a reason."), problems)
        if reason is None and "reason" not in problems:
            problems["reason"] = _("Choose why the recommendation was not implemented.")
        other = (values.get("reason_other") or "").strip()[:300] or None
        if reason is NotImplementedReason.OTHER and not other:
            problems["reason_other"] = _("Describe the other reason.")
        out.update(reason=reason, reason_other=other, drug=None, started_on=None, line=None, access=None,
                   best_response=None, response_on=None, stopped_on=None, stop_reason=None,
                   serious_toxicity=False, toxicity_note=None)
    if problems:
        raise FollowUpInputError(problems)
    return out
