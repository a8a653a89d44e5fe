"""Clinical trial registrations: one trial can be registered in several registries (a
European trial has an EU CT number and often an NCT id; a French one an ID-RCB).

Each identifier is recognised by its format, checked, and linked to its public registry
page. The hospital's own trial code (e.g. LYON-BIO-07) is kept as a local code, unlinked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l

NCT, EUCT, EUDRACT, IDRCB, LOCAL = "nct", "euct", "eudract", "idrcb", "local"

#: The formats (whole identifier), in the order they are tried. ASCII digits only: ``\d``
#: alone also takes "０" or "٣", which no registry answers to.
FORMATS = {
    NCT: re.compile(r"^NCT\d{8}$", re.ASCII),
    EUCT: re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$", re.ASCII),
    EUDRACT: re.compile(r"^\d{4}-\d{6}-\d{2}$", re.ASCII),
    IDRCB: re.compile(r"^\d{4}-A\d{5}-\d{2}$", re.ASCII),
}
#: A hospital's own trial code: letters first, so it is never taken for a mistyped registry number.
LOCAL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]{1,39}$")
#: Public pages. ID-RCB numbers have no public register page (ANSM publishes no stable search URL).
URLS = {
    NCT: "https://clinicaltrials.gov/study/{id}",
    EUCT: "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={id}",
    EUDRACT: "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
}
REGISTRY_NAMES = {
    NCT: "ClinicalTrials.gov", EUCT: "EU CT (CTIS)", EUDRACT: "EudraCT", IDRCB: "ID-RCB", LOCAL: _l("Local code"),
}
#: FHIR identifier systems of the registries (a local code uses the hospital's own system).
SYSTEMS = {
    NCT: "https://clinicaltrials.gov",
    EUCT: "https://euclinicaltrials.eu",
    EUDRACT: "https://www.clinicaltrialsregister.eu",
    IDRCB: "https://ansm.sante.fr/id-rcb",
}
#: Trial phases as stored, and how they are shown.
TRIAL_PHASES = {
    "1": _l("Phase I"), "1/2": _l("Phase I/II"), "2": _l("Phase II"), "2/3": _l("Phase II/III"),
    "3": _l("Phase III"), "4": _l("Phase IV"),
}
#: Registry ids of one trial, as typed: separated by commas, semicolons or spaces.
SEPARATORS = re.compile(r"[\s,;]+")
#: The stored list's separator (Recommendation.trial_id holds every id of the trial).
JOINER = ", "


@dataclass(frozen=True)
class Registration:
    registry: str
    identifier: str

    @property
    def url(self) -> str | None:
        template = URLS.get(self.registry)
        return template.format(id=quote(self.identifier)) if template else None

    @property
    def registry_name(self) -> str:
        return str(REGISTRY_NAMES[self.registry])

    @property
    def label(self) -> str:
        """E.g. "ClinicalTrials.gov NCT04613596", "EU CT (CTIS) 2023-503456-39-00"."""
        return f"{self.registry_name} {self.identifier}"

    @property
    def system(self) -> str | None:
        return SYSTEMS.get(self.registry)


def registry_of(identifier: str) -> str | None:
    for registry, pattern in FORMATS.items():
        if pattern.match(identifier):
            return registry
    return LOCAL if LOCAL_RE.match(identifier) else None


def split_stored(text: str | None) -> list[Registration]:
    """The registrations of a stored ``trial_id`` (ids that no longer parse are kept as local codes)."""
    return [Registration(registry_of(token) or LOCAL, token) for token in SEPARATORS.split(text or "") if token]


def format_problem(token: str) -> str:
    """What is wrong with an identifier that matches no format, said for the registry it resembles."""
    upper = token.upper()
    if upper.startswith("NCT"):
        return _("“%(id)s” is not a ClinicalTrials.gov id: NCT followed by 8 digits, e.g. NCT04613596.", id=token)
    if re.match(r"^\d{4}-A", upper, re.ASCII):
        return _("“%(id)s” is not an ID-RCB number: year-A and 5 digits-2 digits, e.g. 2019-A01234-56.", id=token)
    if re.match(r"^\d", token, re.ASCII):
        return _("“%(id)s” is not a registry number: an EU CT number is 2023-503456-39-00 (year-6 digits-2-2), "
                 "a EudraCT number 2015-001234-56 (year-6 digits-2).", id=token)
    return _("“%(id)s” is not a registry number nor a local trial code (2 to 40 letters, digits and . _ / -, "
             "starting with a letter, e.g. LYON-BIO-07).", id=token)


def parse_ids(text: str | None) -> tuple[list[Registration], list[str]]:
    """The registrations typed in one field, and a message per identifier that matches no format.

    NCT ids and ID-RCB numbers are case-insensitive (upper-cased); duplicates are dropped.
    The text is NFKC-normalised first: an input method's full-width "NCT０４６１３５９６" or
    "，" is the id and the comma ClinicalTrials.gov knows (NCT04613596).
    """
    registrations: list[Registration] = []
    problems: list[str] = []
    for token in SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
        if not token:
            continue
        candidate = token.upper() if re.match(r"^(nct|\d{4}-a)", token, re.IGNORECASE | re.ASCII) else token
        registry = registry_of(candidate)
        if registry is None or (registry == LOCAL and candidate.upper().startswith("NCT")):
            problems.append(format_problem(token))
            continue
        registration = Registration(registry, candidate)
        if registration not in registrations:
            registrations.append(registration)
    return registrations, problems
