"""Clinical trial registrations: one trial can be registered in several registries (a
European trial has an EU CT number and often an NCT id; a French one an ID-RCB; a British
one an ISRCTN).

Each identifier is recognised by its format, checked, and linked to its public registry
page. The hospital's own trial code (e.g. LYON-BIO-07) is kept as a local code, unlinked.
A registry's name written before a number ("EU CT 2023-503456-39-00", "EudraCT:
2015-001234-56", "ISRCTN 12345678", as the form's own hint writes them) names the registry
of that number: it is checked against the number's format, never kept as a local code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l

NCT, EUCT, EUDRACT, IDRCB, ISRCTN, LOCAL = "nct", "euct", "eudract", "idrcb", "isrctn", "local"

#: The formats (whole identifier), in the order they are tried. ASCII digits only: ``\d``
#: alone also takes "０" or "٣", which no registry answers to.
FORMATS = {
    NCT: re.compile(r"^NCT\d{8}$", re.ASCII),
    EUCT: re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$", re.ASCII),
    EUDRACT: re.compile(r"^\d{4}-\d{6}-\d{2}$", re.ASCII),
    IDRCB: re.compile(r"^\d{4}-A\d{5}-\d{2}$", re.ASCII),
    ISRCTN: re.compile(r"^ISRCTN\d{8}$", re.ASCII),
}
#: Registries whose ids begin with letters of their own: "NCT 04613596" is NCT04613596, and a
#: token with the letters but not the format is a mistyped id, never a local code.
PREFIXES = {NCT: "NCT", ISRCTN: "ISRCTN"}
#: A hospital's own trial code: letters first, so it is never taken for a mistyped registry number.
LOCAL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]{1,39}$")
#: Public pages. ID-RCB numbers have no public register page (ANSM publishes no stable search URL).
URLS = {
    NCT: "https://clinicaltrials.gov/study/{id}",
    EUCT: "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={id}",
    EUDRACT: "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
    ISRCTN: "https://www.isrctn.com/{id}",
}
REGISTRY_NAMES = {
    NCT: "ClinicalTrials.gov", EUCT: "EU CT (CTIS)", EUDRACT: "EudraCT", IDRCB: "ID-RCB", ISRCTN: "ISRCTN",
    LOCAL: _l("Local code"),
}
#: A number of each registry, for the messages.
EXAMPLES = {NCT: "NCT04613596", EUCT: "2023-503456-39-00", EUDRACT: "2015-001234-56", IDRCB: "2019-A01234-56",
            ISRCTN: "ISRCTN12345678"}
#: Registry names as people write them before a number, by their letters and digits
#: upper-cased ("EU CT", "EU-CT" and "eu ct" are EUCT), in up to three words ("EU CT (CTIS)",
#: as REGISTRY_NAMES writes it: a registry label copied from the minutes reads back).
REGISTRY_WORDS = {
    "NCT": NCT, "CLINICALTRIALSGOV": NCT, "CTGOV": NCT,
    "EUCT": EUCT, "CTIS": EUCT, "EUCTCTIS": EUCT,
    "EUDRACT": EUDRACT, "IDRCB": IDRCB, "ISRCTN": ISRCTN,
}
#: Words between a registry's name and its number ("EudraCT number", "ID-RCB n°", "EU CT no.:"),
#: by their letters and digits upper-cased ("" for ":", "#", "-").
NUMBER_WORDS = {"", "N", "NO", "NR", "NUM", "NUMBER"}
#: A name glued to its number by a colon or a hash: "EudraCT:2015-001234-56".
_GLUED = re.compile(r"^([^:#]+)[:#]+(.+)$")
#: FHIR identifier systems of the registries (a local code uses the hospital's own system).
SYSTEMS = {
    NCT: "https://clinicaltrials.gov",
    EUCT: "https://euclinicaltrials.eu",
    EUDRACT: "https://www.clinicaltrialsregister.eu",
    IDRCB: "https://ansm.sante.fr/id-rcb",
    ISRCTN: "https://www.isrctn.com",
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


def _key(word: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", word.upper())


def _name_at(tokens: list[str], start: int) -> tuple[int, str | None]:
    """How many tokens from ``start`` name a registry (the longest name, up to three words), and which."""
    for count in (3, 2, 1):
        words = tokens[start:start + count]
        if len(words) == count and all(_key(w) for w in words):
            registry = REGISTRY_WORDS.get("".join(_key(w) for w in words))
            if registry is not None:
                return count, registry
    return 0, None


def _tokens(text: str) -> list[str]:
    tokens = []
    for token in SEPARATORS.split(text):
        glued = _GLUED.match(token)
        if glued and _key(glued[1]) in REGISTRY_WORDS:
            tokens += [glued[1], glued[2]]
        elif token:
            tokens.append(token)
    return tokens


def _read(text: str) -> Iterator[tuple[list[str], str | None, str | None]]:
    """Each identifier of the text with the registry name written before it: (the name's
    words, the registry they name, the identifier). An identifier without a name comes as
    ([], None, identifier); a name followed by no number (the end, or another name) as
    (words, registry, None). The words between a name and its number ("number", "n°", ":")
    are dropped."""
    tokens = _tokens(text)
    position = 0
    while position < len(tokens):
        count, registry = _name_at(tokens, position)
        if registry is None:
            yield [], None, tokens[position]
            position += 1
            continue
        name = tokens[position:position + count]
        position += count
        while position < len(tokens) and _key(tokens[position]) in NUMBER_WORDS \
                and _name_at(tokens, position)[1] is None:
            position += 1
        if position < len(tokens) and _name_at(tokens, position)[1] is None:
            yield name, registry, tokens[position]
            position += 1
        else:
            yield name, registry, None


def split_stored(text: str | None) -> list[Registration]:
    """The registrations of a stored ``trial_id`` (ids that no longer parse are kept as local
    codes). A registry's name stored before its number, as a list saved before names were
    read ("EU, CT, 2023-503456-39-00"), names that number: it is no local code."""
    registrations = []
    for name, _registry, token in _read(text or ""):
        if token is None:  # a name alone: kept as it was stored
            registrations += [Registration(registry_of(word) or LOCAL, word) for word in name]
        else:
            registrations.append(Registration(registry_of(token) or LOCAL, token))
    return registrations


def format_problem(token: str) -> str:
    """What is wrong with an identifier that matches no format, said for the registry it resembles."""
    upper = token.upper()
    if upper.startswith("NCT"):
        return _("“%(id)s” is not a ClinicalTrials.gov id: NCT followed by 8 digits, e.g. NCT04613596.", id=token)
    if upper.startswith("ISRCTN"):
        return _("“%(id)s” is not an ISRCTN: ISRCTN followed by 8 digits, e.g. ISRCTN12345678.", id=token)
    if re.match(r"^\d{4}-A", upper, re.ASCII):
        return _("“%(id)s” is not an ID-RCB number: year-A and 5 digits-2 digits, e.g. 2019-A01234-56.", id=token)
    if re.match(r"^\d", token, re.ASCII):
        return _("“%(id)s” is not a registry number: an EU CT number is 2023-503456-39-00 (year-6 digits-2-2), "
                 "a EudraCT number 2015-001234-56 (year-6 digits-2).", id=token)
    return _("“%(id)s” is not a registry number nor a local trial code (2 to 40 letters, digits and . _ / -, "
             "starting with a letter, e.g. LYON-BIO-07).", id=token)


def _as_typed(token: str, named: str | None) -> str:
    """The identifier as the registry writes it: NCT ids, ISRCTNs and ID-RCB numbers upper-cased;
    the digits after a name whose ids carry letters get them ("NCT 04613596": NCT04613596)."""
    if named in PREFIXES and token.isascii() and token.isdigit():
        return PREFIXES[named] + token
    return token.upper() if re.match(r"^(nct|isrctn|\d{4}-a)", token, re.IGNORECASE | re.ASCII) else token


def parse_ids(text: str | None) -> tuple[list[Registration], list[str]]:
    """The registrations typed in one field, and a message per identifier that matches no format.

    NCT ids, ISRCTNs and ID-RCB numbers are case-insensitive (upper-cased); duplicates are
    dropped. A registry's name before a number ("EU CT 2023-503456-39-00") names its
    registry: a number of another format after it, or no number, is a problem; the name is
    never kept as a local code. The text is NFKC-normalised first: an input method's
    full-width "NCT０４６１３５９６" or "，" is the id and the comma ClinicalTrials.gov knows
    (NCT04613596).
    """
    registrations: list[Registration] = []
    problems: list[str] = []
    for name, named, token in _read(unicodedata.normalize("NFKC", text or "")):
        written = " ".join(name)
        if token is None:
            problems.append(_("“%(name)s” names a registry but no number follows it: write its number after it "
                              "(e.g. %(example)s).", name=written, example=EXAMPLES[named]))
            continue
        candidate = _as_typed(token, named)
        registry = registry_of(candidate)
        if named is not None and registry != named:
            problems.append(_("“%(id)s” follows “%(name)s” but is no %(registry)s number (e.g. %(example)s).",
                              id=token, name=written, registry=REGISTRY_NAMES[named], example=EXAMPLES[named]))
            continue
        if registry is None or (registry == LOCAL and candidate.upper().startswith(tuple(PREFIXES.values()))):
            problems.append(format_problem(token))
            continue
        registration = Registration(registry, candidate)
        if registration not in registrations:
            registrations.append(registration)
    return registrations, problems
