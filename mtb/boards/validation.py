"""Checking a board's settings: its cadence rule and its quorum, with plain messages."""

from __future__ import annotations

import re
from datetime import date, datetime

from mtb.boards.cadence import build_rule, utc_to_local
from mtb.boards.models import COMPLETENESS_ITEMS
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.signals import gene_symbol_wanted
from mtb.vocab import Specialty

#: The example every recurrence-rule message ends with.
RRULE_EXAMPLE = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0"
#: Rule parts a board's cadence may use (RFC 5545 names).
RRULE_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE", "UNTIL", "COUNT", "BYMONTHDAY", "BYMONTH",
               "BYSETPOS", "WKST")
MAX_INTERVAL = 52
_WEEKDAY = re.compile(r"^[+-]?([1-9]|[1-4][0-9]|5[0-3])?(MO|TU|WE|TH|FR|SA|SU)$")


def _rule_error(message: str) -> InvalidInput:
    return InvalidInput("cadence_rrule", message + " " + _("Example: %(example)s (every Tuesday at 14:00).",
                                                          example=RRULE_EXAMPLE))


def _whole(value: str, low: int, high: int) -> int | None:
    # isascii: "²" and "٣" are digits to isdigit(), and int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and low <= int(value) <= high else None


def validate_rrule(rule: str, anchor: date, tz: str = "Europe/Paris", now: datetime | None = None) -> str:
    """Check an RFC 5545 RRULE (without DTSTART) for a board's cadence and return it
    normalised (upper case, no "RRULE:" prefix).

    Every problem gets a plain message with an example, never dateutil's own text. The
    rule must give one time of day (BYHOUR, BYMINUTE), meet at most daily, and have at
    least one meeting ahead. UNTIL is given in UTC (``UNTIL=20300101T000000Z``, as RFC
    5545 asks for a zoned start) or as a date (``UNTIL=20301231``).
    """
    rule = (rule or "").strip().upper().replace(" ", "")
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    rule = rule.strip(";")
    if not rule:
        raise _rule_error(_("Enter a recurrence rule."))
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise _rule_error(_("Each part of the rule is NAME=VALUE, parts separated by semicolons; "
                                "“%(part)s” is not.", part=part))
        if name in parts:
            raise _rule_error(_("%(name)s is given twice.", name=name))
        parts[name] = value
    unknown = [name for name in parts if name not in RRULE_PARTS]
    if unknown:
        raise _rule_error(_("%(names)s cannot be used here. A cadence uses FREQ, INTERVAL, BYDAY, BYHOUR and "
                            "BYMINUTE, optionally UNTIL or COUNT (the first date is the anchor date field).",
                            names=", ".join(unknown)))
    freq = parts.get("FREQ")
    if freq is None:
        raise _rule_error(_("Say how often the board meets with FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY."))
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise _rule_error(_("A board meets at most once a day: use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY "
                            "(not %(freq)s).", freq=freq))
    if "INTERVAL" in parts and _whole(parts["INTERVAL"], 1, MAX_INTERVAL) is None:
        raise _rule_error(_("INTERVAL is the number of days, weeks or months between meetings: a whole number "
                            "from 1 to %(max)d (INTERVAL=2 with FREQ=WEEKLY is every other week).", max=MAX_INTERVAL))
    if "BYHOUR" not in parts or "BYMINUTE" not in parts:
        raise _rule_error(_("Give the meeting time with BYHOUR and BYMINUTE (BYHOUR=14;BYMINUTE=0 for 14:00)."))
    if "," in parts["BYHOUR"] or "," in parts["BYMINUTE"]:
        raise _rule_error(_("Give one meeting time a day (one BYHOUR and one BYMINUTE)."))
    if _whole(parts["BYHOUR"], 0, 23) is None:
        raise _rule_error(_("BYHOUR is the hour of the meeting, from 0 to 23."))
    if _whole(parts["BYMINUTE"], 0, 59) is None:
        raise _rule_error(_("BYMINUTE is the minute of the meeting, from 0 to 59."))
    if "BYDAY" in parts and not all(_WEEKDAY.match(day) for day in parts["BYDAY"].split(",")):
        raise _rule_error(_("BYDAY takes days written MO, TU, WE, TH, FR, SA or SU, separated by commas "
                            "(BYDAY=1TH with FREQ=MONTHLY is the first Thursday of the month)."))
    for name, low, high, meaning in (("BYMONTHDAY", 1, 31, _("days of the month, 1 to 31 (-1 is the last day)")),
                                     ("BYMONTH", 1, 12, _("months, 1 to 12")),
                                     ("BYSETPOS", 1, 366, _("positions in the period, 1 to 366 (-1 is the last)"))):
        if name in parts and not all(_whole(v.lstrip("+-"), low, high) is not None and (v[0] != "-" or name != "BYMONTH")
                                     for v in parts[name].split(",")):
            raise _rule_error(_("%(name)s takes %(meaning)s, separated by commas.", name=name, meaning=meaning))
    _check_parts_fit_freq(parts, freq)
    if "WKST" in parts and parts["WKST"] not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"):
        raise _rule_error(_("WKST is the first day of the week: MO, TU, WE, TH, FR, SA or SU."))
    if "UNTIL" in parts and "COUNT" in parts:
        raise _rule_error(_("Give either UNTIL (last date) or COUNT (number of meetings), not both."))
    if "COUNT" in parts and _whole(parts["COUNT"], 1, 10000) is None:
        raise _rule_error(_("COUNT is the number of meetings, a whole number from 1."))
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        well_formed = re.fullmatch(r"\d{8}(T\d{6}Z)?", until)
        try:
            if well_formed:
                datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S" if "T" in until else "%Y%m%d")
        except ValueError:
            well_formed = None
        if not well_formed:
            raise _rule_error(_("Write UNTIL as a date (UNTIL=20301231) or as a UTC time ending in Z "
                                "(UNTIL=20300101T000000Z)."))
    try:
        parsed = build_rule(rule, anchor, tz)
        upcoming = parsed.after(utc_to_local(now or utcnow(), tz))
    except (ValueError, TypeError, OverflowError):
        raise _rule_error(_("This is not a valid recurrence rule: check each part."))
    if upcoming is None:
        if "UNTIL" in parts or "COUNT" in parts:
            raise _rule_error(_("This rule has no future meetings: check UNTIL or COUNT."))
        raise _rule_error(_("This rule gives no meeting date: check that its days and months exist together."))
    return rule


def _check_parts_fit_freq(parts: dict[str, str], freq: str) -> None:
    """RFC 5545 (3.3.10): a numbered BYDAY only with FREQ=MONTHLY (or YEARLY), no BYMONTHDAY
    with FREQ=WEEKLY. dateutil drops what does not fit without a word: FREQ=WEEKLY;BYDAY=2MO
    would meet every Monday."""
    numbered = [day for day in parts.get("BYDAY", "").split(",") if day and not day.isalpha()]
    if numbered and freq != "MONTHLY":
        day = numbered[0]
        raise _rule_error(_("A numbered day such as %(day)s needs FREQ=MONTHLY (FREQ=MONTHLY;BYDAY=2TU is the "
                            "second Tuesday of each month); with FREQ=%(freq)s write the day alone (BYDAY=%(bare)s).",
                            day=day, freq=freq, bare=day.lstrip("+-0123456789")))
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _rule_error(_("BYMONTHDAY (a day of the month) does not go with FREQ=WEEKLY: use FREQ=MONTHLY;"
                            "BYMONTHDAY=%(days)s for that day of each month, or BYDAY for a day of the week.",
                            days=parts["BYMONTHDAY"]))


def validate_quorum(entries: list[str]) -> list[str]:
    valid = {s.value for s in Specialty}
    cleaned = []
    for entry in entries:
        options = [o.strip() for o in entry.split("|") if o.strip()]
        unknown = [o for o in options if o not in valid]
        if unknown:
            raise InvalidInput("quorum_specialties", _("Unknown specialty: %(name)s", name=", ".join(unknown)))
        if options:
            cleaned.append("|".join(options))
    return cleaned


#: Follow-up milestones a board may choose (months after the decision).
MAX_FOLLOW_UP_MONTHS = 60
_GENE = re.compile(r"^[A-Z][A-Z0-9-]{0,19}$")


def validate_follow_up_months(value) -> list[int]:
    """"3, 6, 12" (or a list) as sorted distinct months; raises InvalidInput."""
    parts = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value or "").strip())
    months = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or not (1 <= int(text) <= MAX_FOLLOW_UP_MONTHS):
            raise InvalidInput("follow_up_months", _("Give months between 1 and 60 separated by commas, e.g. 3, 6, 12."))
        months.add(int(text))
    if not months:
        raise InvalidInput("follow_up_months", _("Give at least one month, e.g. 3, 6, 12."))
    if len(months) > 6:
        raise InvalidInput("follow_up_months", _("Give at most six follow-up months."))
    return sorted(months)


def _approved_genes(symbol: str) -> tuple[str, ...]:
    """The approved symbol(s) ``symbol`` stands for, as the cases part's gene table says."""
    for _receiver, genes in gene_symbol_wanted.send(None, symbol=symbol):
        if genes:
            return tuple(genes)
    return ()


def _bare(text: str) -> str:
    """Letters and digits only, in lower case: "PD-L1", "PDL1" and "pd l1" are one item."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def validate_requirements(value) -> list[str]:
    """Requirements separated by commas or lines (or a list): approved gene symbols, or one
    of ``COMPLETENESS_ITEMS`` however written (PDL1, pd-l1); raises InvalidInput naming the
    one it cannot read. Only what a case can carry is kept: the case form takes approved
    symbols only, so an alias is saved as the gene it stands for (HER2 -> ERBB2) and an
    unknown word is refused (it would be "missing" from every case for ever)."""
    lines = value if isinstance(value, list) else re.split(r"[,;\n]", str(value or ""))
    known = {_bare(item): item for item in COMPLETENESS_ITEMS} | {"msih": "MSI"}
    result: list[str] = []
    for line in lines:
        text = str(line).strip()
        if not text:
            continue
        item = known.get(_bare(text))
        if item is None:
            genes = _approved_genes(text) if _GENE.match(text.upper()) else ()
            if len(genes) == 1:
                item = genes[0]
            elif genes:
                raise InvalidInput("completeness_requirements", _(
                    "“%(item)s” stands for several genes (%(genes)s): write the one the board asks for.",
                    item=text[:40], genes=", ".join(genes)))
            else:
                raise InvalidInput("completeness_requirements", _(
                    "“%(item)s” is neither an approved gene symbol nor one of %(known)s.", item=text[:40],
                    known=", ".join(COMPLETENESS_ITEMS)))
        if item not in result:
            result.append(item)
    if len(result) > 40:
        raise InvalidInput("completeness_requirements", _("Give at most 40 requirements."))
    return result
