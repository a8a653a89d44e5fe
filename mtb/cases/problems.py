"""What the checks of a case form find, by form field name: errors (the save is refused),
warnings and notes (said beside the field, the save goes on), and the values to offer
(an approved symbol for an alias, the two partners of a fusion typed as one gene).

Also the small readers every check shares: blank, text, numbers as people type them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from mtb.errors import InvalidInput

#: Numbers are stored with two decimals unless their column says otherwise.
HUNDREDTHS = Decimal("0.01")


class CaseInputError(InvalidInput):
    """Every problem found in a case form, keyed by form field name
    (``diagnosis``, ``biomarkers-2-gene``); ``suggestions`` maps a gene field to the
    approved symbols to offer; ``warnings`` and ``notes`` are shown beside the fields
    too when the form comes back (they never refuse a save)."""

    def __init__(self, errors: dict[str, list[str]], suggestions: dict[str, tuple[str, ...]] | None = None,
                 warnings: dict[str, list[str]] | None = None, notes: dict[str, list[str]] | None = None,
                 splits: dict[str, tuple[str, str]] | None = None):
        first_field, messages = next(iter(errors.items()))
        super().__init__(first_field, messages[0])
        self.errors = errors
        self.suggestions = suggestions or {}
        self.warnings = warnings or {}
        self.notes = notes or {}
        self.splits = splits or {}


@dataclass
class Problems:
    """The problems found so far, by form field name, the gene symbols to suggest, and
    what is worth saying without refusing: warnings ("percent, not fraction?") and notes
    on normalised values ("Stored as c.2235_2249del.")."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: A gene field holding a fusion ("EML4::ALK"): the (5′, 3′) partners to split it into.
    splits: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def warn(self, name: str, message: str) -> None:
        self.warnings.setdefault(name, []).append(message)

    def note(self, name: str, message: str) -> None:
        self.notes.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise CaseInputError(self.errors, self.suggestions, self.warnings, self.notes, self.splits)


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


#: The percent signs reports print after a number: ASCII and full-width.
_PERCENT_SIGNS = ("%", "\uff05")


def without_percent_sign(text: str) -> str:
    """"35 %" -> "35": the number of a percentage as reports print it, with one trailing
    sign, maybe after a space (French typography puts a no-break space there)."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(_PERCENT_SIGNS) else text


def to_decimal(value, quantum: Decimal = HUNDREDTHS) -> Decimal | None:
    """A finite number rounded like its column, or None when blank; InvalidOperation for
    anything else (text, NaN, Infinity: callers other than the form, like the CLI, may pass them)."""
    number = exact_decimal(value)
    if number is None:
        return None
    try:
        return number.quantize(quantum)  # like the columns: "1e-999999" is 0
    except InvalidOperation:
        return number  # far too large: the range check says so


#: Minus signs a PDF prints (U+2212 MINUS SIGN, en dash): the hyphen-minus a number takes.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def typed_number(text: str) -> str:
    """A number as pasted, ready to parse: blanks around it (and the narrow no-break spaces
    of French reports) dropped, a typographic minus read as "-"."""
    return text.translate(_MINUS).replace("\u202f", "").replace("\u00a0", "").strip()


def exact_decimal(value, *, percent: bool = False) -> Decimal | None:
    """A finite number exactly as typed (never rounded), or None when blank;
    InvalidOperation for anything else (text, NaN, Infinity). ``percent``: the value is a
    percentage, and a trailing percent sign is allowed ("35 %" is 35, not 0.35)."""
    if blank(value):
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        text = typed_number(str(value))
        number = Decimal((without_percent_sign(text) if percent else text).replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation(str(value))
    return number
