"""Reading ClinicalTrials.gov API v2 study records (the JSON a browser saves from
https://clinicaltrials.gov/api/v2/studies/NCT...): one study, or the ``{"studies": [...]}``
page of a search.

Fields read (the API's data structure): protocolSection.identificationModule (nctId,
briefTitle, acronym, secondaryIdInfos), statusModule.overallStatus, designModule.phases,
conditionsModule.conditions, eligibilityModule (eligibilityCriteria, minimumAge,
maximumAge), sponsorCollaboratorsModule.leadSponsor, contactsLocationsModule.centralContacts.
"""

from __future__ import annotations

import json
import re

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.trials.models import TrialStatus
from mtb.trials.registrations import EUCT, EUDRACT, IDRCB, TRIAL_PHASES, registry_of

#: overallStatus -> the local status a new trial starts with. Any other value (missing,
#: UNKNOWN, a value the API adds later) says nothing: an existing trial keeps its status,
#: a new one starts on hold until a secretary checks it.
STATUSES = {
    "RECRUITING": TrialStatus.RECRUITING, "ENROLLING_BY_INVITATION": TrialStatus.RECRUITING,
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
#: At most 4 digits: a longer number is no age (and int() refuses more than 4,300 digits).
_AGE = re.compile(r"(\d{1,4})\s*(Year|Month|Week|Day)s?", re.IGNORECASE)
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


def _years(text) -> int | None:
    match = _AGE.match(_text(text))
    if not match:
        return None
    number, unit = int(match[1]), match[2].lower()
    divisor = {"year": 1, "month": 12, "week": 52, "day": 365}[unit]
    return number // divisor


def _years_text(text) -> str:
    years = _years(text)
    return "" if years is None else str(years)


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
        "age_min": _years_text(eligibility.get("minimumAge")),
        "age_max": _years_text(eligibility.get("maximumAge")),
        "sponsor": sponsor,
        "contact": contact,
    }
    for name, limit in LIMITS.items():
        values[name] = values[name][:limit].strip()
    return values
