"""Reading ClinicalTrials.gov API v2 study records (the JSON a browser saves from
https://clinicaltrials.gov/api/v2/studies/NCT...): one study, or the ``{"studies": [...]}``
page of a search.

Fields read (the API's data structure): protocolSection.identificationModule (nctId,
briefTitle, acronym, secondaryIdInfos), statusModule.overallStatus, designModule.phases,
conditionsModule.conditions, eligibilityModule (eligibilityCriteria, minimumAge,
maximumAge), sponsorCollaboratorsModule.leadSponsor, contactsLocationsModule.centralContacts.

Status on a re-import (``refreshed_status``): the registry can close a trial or put it on
hold, never open one. A study the registry closed (completed, terminated, active not
recruiting...) is closed; one it paused or that takes no referral now (suspended, not yet
recruiting, enrolling by invitation, temporarily not available) goes from recruiting to on
hold; RECRUITING changes nothing, so a trial a secretary closed or put on hold stays so
(the study may recruit elsewhere while the hospital's site does not): a secretary reopens it.

Ages (``age_limits``): the trial registry keeps whole years and matching compares them
with a patient's age in whole years, so an age in months, weeks, days or hours becomes the
whole years that never match a patient the trial does not take: a minimum rounded up
("18 Months": 2 years), a maximum rounded down ("30 Months": up to 1 year; "17 Years": up to
17, the registry's maximum being inclusive). A patient near such a limit may then not be
proposed: ``import_notes`` says so. A maximum under one year ("6 Months") cannot be said in
whole years: it is kept as 0 (under one year), with a note to check the infant's age.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from typing import NamedTuple

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.trials.models import TrialStatus
from mtb.trials.registrations import EUCT, EUDRACT, IDRCB, TRIAL_PHASES, registry_of

#: overallStatus -> the local status a new trial starts with. Any other value (missing,
#: UNKNOWN, a value the API adds later) says nothing: an existing trial keeps its status,
#: a new one starts on hold until a secretary checks it. Enrolling by invitation takes only
#: the people the researchers invite, not a board's referral: on hold.
STATUSES = {
    "RECRUITING": TrialStatus.RECRUITING, "ENROLLING_BY_INVITATION": TrialStatus.ON_HOLD,
    "NOT_YET_RECRUITING": TrialStatus.ON_HOLD, "SUSPENDED": TrialStatus.ON_HOLD,
    "TEMPORARILY_NOT_AVAILABLE": TrialStatus.ON_HOLD,
    "ACTIVE_NOT_RECRUITING": TrialStatus.CLOSED, "COMPLETED": TrialStatus.CLOSED,
    "TERMINATED": TrialStatus.CLOSED, "WITHDRAWN": TrialStatus.CLOSED, "NO_LONGER_AVAILABLE": TrialStatus.CLOSED,
    "APPROVED_FOR_MARKETING": TrialStatus.CLOSED, "WITHHELD": TrialStatus.CLOSED,
}
#: The trial's column lengths (mtb.trials.models.Trial): longer registry values are cut.
LIMITS = {"registry_ids": 200, "title": 500, "acronym": 60, "sponsor": 200, "contact": 300, "conditions": 500,
          "registry_status": 60}
_PHASES = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
#: Local statuses from the most open to the least: a re-import only moves a trial down.
_OPENNESS = (TrialStatus.RECRUITING, TrialStatus.ON_HOLD, TrialStatus.CLOSED)
#: At most 4 digits: a longer number is no age (and int() refuses more than 4,300 digits).
#: The registry's units (its AgeUnit): years, months, weeks, days, hours, minutes.
_AGE = re.compile(r"(\d{1,4})\s*(Year|Month|Week|Day|Hour|Minute)s?", re.IGNORECASE)
#: Days in a unit shorter than a month.
_DAYS = {"week": Fraction(7), "day": Fraction(1), "hour": Fraction(1, 24), "minute": Fraction(1, 1440)}
MAX_BYTES = 5 * 1024 * 1024


def studies_of(data: bytes) -> list[dict]:
    """The study records in the file; InvalidInput (field ``file``) when it is not one."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", _("The file is larger than 5 MB; save one study or a short search page."))
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
        # JSON may escape a lone surrogate ("\\ud800"): valid JSON, but no text a database can store.
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("file", _("The file holds text that is not valid Unicode (an unpaired surrogate "
                                     "escape); save the study again from ClinicalTrials.gov.")) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        # JSON between systems is UTF-8 (RFC 8259): a Latin-1 or UTF-16 save is refused as such,
        # not as "no JSON", which is for a file that is no JSON at all (a PDF, a spreadsheet).
        if _json_in_another_encoding(data):
            raise InvalidInput("file", _("The file is not UTF-8 text: export it again from ClinicalTrials.gov "
                                         "as JSON.")) from None
        raise InvalidInput("file", _("This is not a JSON file. Save the study from ClinicalTrials.gov as JSON "
                                     "(API v2, e.g. https://clinicaltrials.gov/api/v2/studies/NCT04613596).")) from None
    studies = parsed.get("studies") if isinstance(parsed, dict) and "studies" in parsed else [parsed]
    if not isinstance(studies, list):
        studies = []
    found = [s for s in studies if isinstance(s, dict) and isinstance(s.get("protocolSection"), dict)]
    if not found:
        raise InvalidInput("file", _("The JSON holds no ClinicalTrials.gov study record (API v2: a "
                                     "“protocolSection” with an “identificationModule”)."))
    return found


def _json_in_another_encoding(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 read as JSON in UTF-16 or UTF-32 (``json.loads``
    detects them) or in Latin-1 (which every byte decodes)."""
    for attempt in (lambda: json.loads(data), lambda: json.loads(data.decode("latin-1"))):
        try:
            attempt()
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        return True
    return False


def refreshed_status(current: TrialStatus, registry_status: str) -> TrialStatus:
    """A trial's local status after a re-import of its study (``registry_status``: the
    registry's overallStatus, upper case): the registry closes a trial or puts a recruiting
    one on hold, and never opens one (see the module's docstring)."""
    suggested = STATUSES.get(registry_status)
    if suggested is None:
        return current
    return max(current, suggested, key=_OPENNESS.index)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    """A registry list: a single object or string stands for a list of one; anything else is empty."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, (dict, str)) else []


def _text(value) -> str:
    """A registry string, stripped; a number, list or object where a string belongs reads as nothing."""
    return value.strip() if isinstance(value, str) else ""


def _module(study: dict, name: str) -> dict:
    value = study["protocolSection"].get(name)
    return value if isinstance(value, dict) else {}


class AgeLimit(NamedTuple):
    """A registry age limit in the whole years the trial registry keeps."""

    #: As the registry words it: "18 Months".
    text: str
    years: int
    #: The whole years take exactly the patients the registry's limit takes.
    exact: bool
    #: A maximum under one year, kept as 0: infants older than the limit are matched too.
    under_a_year: bool = False


def _minimum(number: int, unit: str) -> tuple[int, bool]:
    """The fewest whole years that guarantee the minimum: a patient of ``years`` years has
    lived at least 12 × years months and 365 × years days."""
    if unit == "year":
        return number, True
    if unit == "month":
        return math.ceil(Fraction(number, 12)), number % 12 == 0
    return math.ceil(number * _DAYS[unit] / 365), number == 0


def _maximum(number: int, unit: str) -> tuple[int, bool]:
    """The most whole years whose every patient is within the maximum. The registry's maximum
    is inclusive ("17 Years": up to the day before the 18th birthday), so "n units" takes
    ages under n + 1 units; a patient of ``years`` years is under years + 1 years: 12 ×
    (years + 1) months, and at most 365 days a year plus a leap day every four. May be negative."""
    if unit == "year":
        return number, True
    if unit == "month":
        return (number + 1) // 12 - 1, (number + 1) % 12 == 0
    under = (number + 1) * _DAYS[unit]
    spans = int(under // 365)
    while spans > 0 and 365 * spans + math.ceil(spans / 4) > under:
        spans -= 1
    return spans - 1, False


def _age_limit(value, upper: bool) -> AgeLimit | None:
    match = _AGE.match(_text(value))
    if not match:
        return None
    number, unit = int(match[1]), match[2].lower()
    years, exact = (_maximum if upper else _minimum)(number, unit)
    if years < 0:
        return AgeLimit(match[0], 0, False, under_a_year=True)
    return AgeLimit(match[0], years, exact)


def age_limits(study: dict) -> tuple[AgeLimit | None, AgeLimit | None]:
    """The study's (minimum, maximum) age in whole years, chosen never to match a patient
    the trial does not take (see the module's docstring); None where the registry gives none."""
    eligibility = _module(study, "eligibilityModule")
    return _age_limit(eligibility.get("minimumAge"), False), _age_limit(eligibility.get("maximumAge"), True)


def import_notes(study: dict) -> list[str]:
    """What a secretary should know of an imported study: age limits whole years could not
    keep exactly (the patients matching may miss, or the infants to check)."""
    # The study's first registry id (an EU CT only study has no NCT id).
    nct = values_of(study)["registry_ids"].split(",")[0].strip() or "?"
    low, high = age_limits(study)
    notes = []
    if low is not None and not low.exact:
        notes.append(ngettext(
            "%(id)s: the minimum age on ClinicalTrials.gov, %(age)s, is kept as %(num)d year: younger "
            "patients the trial may take are not proposed.",
            "%(id)s: the minimum age on ClinicalTrials.gov, %(age)s, is kept as %(num)d years: younger "
            "patients the trial may take are not proposed.", low.years, id=nct, age=low.text))
    if high is not None and high.under_a_year:
        notes.append(_("%(id)s: the maximum age on ClinicalTrials.gov, %(age)s, is kept as 0 years (under one "
                       "year): check that an infant is not older than that before proposing the trial.",
                       id=nct, age=high.text))
    elif high is not None and not high.exact:
        notes.append(ngettext(
            "%(id)s: the maximum age on ClinicalTrials.gov, %(age)s, is kept as %(num)d year: older "
            "patients the trial may take are not proposed.",
            "%(id)s: the maximum age on ClinicalTrials.gov, %(age)s, is kept as %(num)d years: older "
            "patients the trial may take are not proposed.", high.years, id=nct, age=high.text))
    return notes


def _years_text(limit: AgeLimit | None) -> str:
    return "" if limit is None else str(limit.years)


def values_of(study: dict) -> dict:
    """The registry's fields of one study as the trial form's values (the local fields,
    investigator, boards and structured eligibility, are not in a registry record)."""
    ident = _module(study, "identificationModule")
    ids = [_text(ident.get("nctId"))]
    for secondary in _list(ident.get("secondaryIdInfos")):
        token = _text(secondary) or _text(_dict(secondary).get("id"))
        if registry_of(token) in (EUCT, EUDRACT, IDRCB) and token not in ids:
            ids.append(token)
    status = _text(_module(study, "statusModule").get("overallStatus")).upper()
    phases = [_PHASES[p] for p in _list(_module(study, "designModule").get("phases")) if isinstance(p, str)
              and p in _PHASES]
    phase = "/".join(sorted(set(phases))) if phases else ""
    eligibility = _module(study, "eligibilityModule")
    contacts = [c for c in _list(_module(study, "contactsLocationsModule").get("centralContacts"))
                if isinstance(c, dict)]
    contact = " · ".join(_text(contacts[0].get(k)) for k in ("name", "phone", "email")
                         if _text(contacts[0].get(k))) if contacts else ""
    lead = _module(study, "sponsorCollaboratorsModule").get("leadSponsor")
    sponsor = _text(lead) or _text(_dict(lead).get("name"))
    conditions = [_text(c) for c in _list(_module(study, "conditionsModule").get("conditions")) if _text(c)]
    known = STATUSES.get(status)
    low, high = age_limits(study)
    values = {
        "registry_ids": ", ".join(i for i in ids if i),
        "title": _text(ident.get("briefTitle")) or _text(ident.get("officialTitle")),
        "acronym": _text(ident.get("acronym")),
        "phase": phase if phase in TRIAL_PHASES else "",
        # "" when the registry's status says nothing (missing, UNKNOWN, not a string).
        "status": known.value if known is not None else "",
        "registry_status": status,
        "conditions": "; ".join(conditions),
        "eligibility_text": _text(eligibility.get("eligibilityCriteria")),
        "age_min": _years_text(low),
        "age_max": _years_text(high),
        "sponsor": sponsor,
        "contact": contact,
    }
    for name, limit in LIMITS.items():
        values[name] = values[name][:limit].strip()
    return values
