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

from flask_babel import gettext as _

from mtb.errors import InvalidInput
from mtb.trials.models import TrialStatus
from mtb.trials.registrations import EUCT, EUDRACT, IDRCB, registry_of

#: overallStatus -> the local status a new trial starts with.
STATUSES = {
    "RECRUITING": TrialStatus.RECRUITING, "ENROLLING_BY_INVITATION": TrialStatus.RECRUITING,
    "NOT_YET_RECRUITING": TrialStatus.ON_HOLD, "SUSPENDED": TrialStatus.ON_HOLD,
    "TEMPORARILY_NOT_AVAILABLE": TrialStatus.ON_HOLD,
}
_PHASES = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
_AGE = re.compile(r"(\d+)\s*(Year|Month|Week|Day)s?", re.IGNORECASE)
MAX_BYTES = 5 * 1024 * 1024


def studies_of(data: bytes) -> list[dict]:
    """The study records in the file; InvalidInput (field ``file``) when it is not one."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", _("The file is larger than 5 MB; save one study or a short search page."))
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
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


def _module(study: dict, name: str) -> dict:
    value = study["protocolSection"].get(name)
    return value if isinstance(value, dict) else {}


def _years(text) -> int | None:
    match = _AGE.match(str(text or ""))
    if not match:
        return None
    number, unit = int(match[1]), match[2].lower()
    divisor = {"year": 1, "month": 12, "week": 52, "day": 365}[unit]
    return number // divisor


def values_of(study: dict) -> dict:
    """The registry's fields of one study as the trial form's values (the local fields,
    investigator, boards and structured eligibility, are not in a registry record)."""
    ident = _module(study, "identificationModule")
    ids = [str(ident.get("nctId") or "").strip()]
    for secondary in ident.get("secondaryIdInfos") or ():
        token = str((secondary or {}).get("id") or "").strip()
        if registry_of(token) in (EUCT, EUDRACT, IDRCB) and token not in ids:
            ids.append(token)
    status = _module(study, "statusModule").get("overallStatus") or ""
    phases = [_PHASES[p] for p in (_module(study, "designModule").get("phases") or ()) if p in _PHASES]
    phase = "/".join(sorted(set(phases))) if phases else ""
    eligibility = _module(study, "eligibilityModule")
    contacts = _module(study, "contactsLocationsModule").get("centralContacts") or []
    contact = ""
    if contacts and isinstance(contacts[0], dict):
        c = contacts[0]
        contact = " · ".join(str(c[k]) for k in ("name", "phone", "email") if c.get(k))
    sponsor = (_module(study, "sponsorCollaboratorsModule").get("leadSponsor") or {}).get("name") or ""
    return {
        "registry_ids": ", ".join(i for i in ids if i),
        "title": ident.get("briefTitle") or ident.get("officialTitle") or "",
        "acronym": ident.get("acronym") or "",
        "phase": phase if phase in ("1", "1/2", "2", "2/3", "3", "4") else "",
        "status": STATUSES.get(status, TrialStatus.CLOSED).value,
        "registry_status": status,
        "conditions": "; ".join(_module(study, "conditionsModule").get("conditions") or [])[:500],
        "eligibility_text": eligibility.get("eligibilityCriteria") or "",
        "age_min": str(_years(eligibility.get("minimumAge"))) if _years(eligibility.get("minimumAge")) is not None
        else "",
        "age_max": str(_years(eligibility.get("maximumAge"))) if _years(eligibility.get("maximumAge")) is not None
        else "",
        "sponsor": sponsor[:200],
        "contact": contact[:300],
    }
