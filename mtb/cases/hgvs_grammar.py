"""The HGVS v21 grammar behind mtb.cases.hgvs: DNA (c. n. g. m.) and protein (p.).

``dna_body(kind, body)`` and ``protein_body(body)`` take the description after
the "c." / "p." and return its normal form. They raise ``NoParse`` when the text
is not HGVS at all (the caller words the general message, with examples) and
``InvalidInput`` when it is recognisably HGVS but breaks a rule (same base,
backwards range, deleted bases that do not fit the range...).

Only the syntax is checked: nothing here knows the reference sequences.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _


class NoParse(Exception):
    """The text does not follow the HGVS grammar."""


def refuse(message: str) -> InvalidInput:
    return InvalidInput(None, message)


# --- Alleles (shared by DNA and protein) ------------------------------------

def _split(text: str) -> tuple[list[str], list[str]]:
    """Split at ";" and "(;)" outside brackets: (parts, separators)."""
    parts, seps, depth, start, i = [], [], 0, 0, 0
    while i < len(text):
        if depth == 0 and text.startswith("(;)", i):
            parts.append(text[start:i]), seps.append("(;)")
            i = start = i + 3
            continue
        ch = text[i]
        depth += (ch in "[(") - (ch in "])")
        if depth < 0:
            raise NoParse
        if ch == ";" and depth == 0:
            parts.append(text[start:i]), seps.append(";")
            start = i + 1
        i += 1
    if depth:
        raise NoParse
    parts.append(text[start:])
    return parts, seps


def _wrapped(text: str, open_: str, close: str) -> bool:
    """True when the first character's bracket closes at the last character."""
    if len(text) < 2 or text[0] != open_ or text[-1] != close:
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch in "[(") - (ch in "])")
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _join(parts: list[str], seps: list[str]) -> str:
    return parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))


def alleles(body: str, one: Callable[[str], str], wholes: tuple[str, ...]) -> str:
    """[a;b] (cis), [a];[b] (trans), a(;)b and [a(;)b] (phase unknown).

    ``one`` normalises a single variant; ``wholes`` are the items allowed on
    their own ("=", "?", and "0" for protein). ``[x]`` alone is stored as x.
    """
    def cis(inner: str, outer: bool = True) -> str:
        if outer and _wrapped(inner, "(", ")") and ";" in inner:  # p.[(Ser73Arg;Asn103del)]
            return "(" + cis(inner[1:-1], False) + ")"
        items, seps = _split(inner)
        if any(not item for item in items):
            raise NoParse
        return _join([item if item in wholes else one(item) for item in items], seps)

    parts, seps = _split(body)
    if all(_wrapped(part, "[", "]") for part in parts):
        if len(parts) == 1 and ";" not in parts[0]:
            return cis(parts[0][1:-1])  # c.[76A>C] is c.76A>C
        return _join([f"[{cis(part[1:-1])}]" for part in parts], seps)
    if len(parts) > 1 and set(seps) == {"(;)"}:  # c.76A>C(;)83G>C
        return _join([one(part) for part in parts], seps)
    raise NoParse


# --- DNA ----------------------------------------------------------------------

class Point(NamedTuple):
    """A DNA position: region 0 upstream (c.-12), 1 coding/plain, 2 after the stop
    (c.*32); base is signed so that points sort in sequence order; offset is the
    intronic offset (0 when none, None when unknown: c.4186-?)."""
    region: int
    base: int
    offset: int | None


_OFFSET = r"[-+](?:\d+|\?)"
# c.1-?_*?del: an end known only by region (the brief's whole-gene deletions)
_POINTS = {"c": rf"[-*]?\d+(?:{_OFFSET})?|[-*]\?", "g": r"\d+"}  # n. numbers like c.; m. like g.
_SEQ = "[ACGTN]+"
_COUNT = r"\[(?:\d+|\(\d+_\d+\)|\?)\]"  # N[12], N[(150_180)], N[?]


def _location(kind: str) -> re.Pattern:
    point = _POINTS["c" if kind in "cn" else "g"]
    end = rf"(?:{point}|\((?:{point}|\?)_(?:{point}|\?)\))"
    return re.compile(rf"({end})(?:_({end}))?")


_LOCATIONS = {kind: _location(kind) for kind in "cngm"}
# Inserted sequence copied from elsewhere: c.849_850ins858_895, ins[NC_000022.10:g.35788169_35788352]
_COPY = r"(?-i:(?:[A-Z]{2}_\d+\.\d+:[cgnm]\.)?[-*]?\d+(?:[-+]\d+)?_[-*]?\d+(?:[-+]\d+)?(?:inv)?)"
_INSERTED = rf"{_SEQ}|N{_COUNT}|\(\d+\)|{_COPY}|\[(?:{_SEQ}|N{_COUNT}|{_COPY})(?:;(?:{_SEQ}|N{_COUNT}|{_COPY}))*\]"
_DNA_CHANGE = re.compile(rf"""
    (?P<ref>[ACGT]*)>(?P<alt>[ACGT]+)
  | del(?P<delins_del>{_SEQ}|\d+)?ins(?P<delins>{_INSERTED})
  | (?P<del>del)(?P<del_seq>{_SEQ}|\d+|N{_COUNT})?
  | (?P<dup>dup)(?P<dup_seq>{_SEQ}|\d+|N{_COUNT})?
  | ins(?P<ins>{_INSERTED})
  | (?P<inv>inv)(?P<inv_n>\d+)?
  | con(?P<con>{_COPY})
  | (?P<repeat>(?:{_SEQ}{_COUNT})+)
  | (?P<same>=)
""", re.I | re.X)


def _point(text: str) -> Point | None:
    if text.endswith("?") and len(text) <= 2:  # ?, -?, *?: unknown
        return None
    m = re.fullmatch(r"([-*]?)(\d+)(?:([-+])(\d+|\?))?", text)
    sign, base, offset_sign, offset = m.groups()
    if int(base) == 0 or offset not in (None, "?") and int(offset) == 0:
        raise refuse(_("There is no position 0 in HGVS numbering: c.1 is the A of the ATG, c.-1 the base before it and c.88+1 the first base of the intron, e.g. c.-124C>T or c.3082+1G>T."))
    region = {"-": 0, "": 1, "*": 2}[sign]
    signed = -int(base) if sign == "-" else int(base)
    if offset is None:
        return Point(region, signed, 0)
    return Point(region, signed, None if offset == "?" else int(offset) * (1 if offset_sign == "+" else -1))


def _endpoint(text: str | None) -> list[Point | None]:
    if text is None:
        return []
    if text.startswith("("):
        return [_point(t) for t in text[1:-1].split("_")]
    return [_point(text)]


def _span(start: str, end: str | None) -> int | None:
    """How many positions start..end covers, or None when it cannot be told
    from the numbers alone (uncertain ends, an intron against an exon, c.*)."""
    if start.startswith("(") or (end or "").startswith("(") or "?" in start + (end or ""):
        return None
    a = _point(start)
    if end is None:
        return 1
    b = _point(end)
    if (a.region, a.base) == (b.region, b.base):
        return b.offset - a.offset + 1
    if a.offset or b.offset:
        return None
    if a.region == b.region:
        return b.base - a.base + 1
    if (a.region, b.region) == (0, 1):  # c.-3_2: there is no c.0
        return b.base - a.base
    return None


def _check_order(points: list[Point | None], value: str) -> None:
    known = [p for p in points if p is not None]
    for a, b in zip(known, known[1:]):
        if (a.region, a.base) == (b.region, b.base) and None in (a.offset, b.offset):
            continue
        if a >= b:
            raise refuse(_("The positions in “%(value)s” must rise from left to right (5' to 3'); e.g. c.2235_2249del, not c.2249_2235del.", value=value))


def _length_check(given: str | None, span: int | None, value: str, example: str) -> None:
    """Report forms name the deleted/duplicated bases (delGGA) or their count (del15);
    they are dropped, but only when they fit the range."""
    if not given or span is None:
        return
    count = int(given) if given.isdigit() else len(given)
    if count != span:
        raise refuse(_("“%(value)s” names %(count)s bases but its positions cover %(span)s; check the description, e.g. %(example)s.",
                       value=value, count=count, span=span, example=example))


def dna_variant(kind: str, text: str) -> str:
    """One DNA variant (no alleles) after the prefix, in normal form."""
    m = _LOCATIONS[kind].match(text)
    if not m:
        raise NoParse
    start, end = m.group(1), m.group(2)
    if end is None and start.endswith("?") and len(start) == 2:
        raise NoParse  # c.*?del: a position known only by region ends a range, never stands alone
    change = _DNA_CHANGE.fullmatch(text[m.end():])
    if not change:
        raise NoParse
    value = f"{kind}.{text}"
    if end is not None and start == end:
        raise refuse(_("“%(value)s” starts and ends at the same position; give the position once, e.g. c.5266dup.", value=value))
    _check_order(_endpoint(start) + _endpoint(end), value)
    loc = re.sub(r"(?<![\d])0+(?=\d)", "", m.group(0))  # 00123 -> 123
    span = _span(start, end)
    c = change.groupdict()
    if c["alt"] and not c["ref"]:  # COSMIC's c.2237_2255>T
        if end is None:
            raise NoParse
        return f"{loc}delins{c['alt'].upper()}"
    if c["alt"]:
        ref, alt = c["ref"].upper(), c["alt"].upper()
        if len(ref) == 1 and len(alt) == 1 and end is None:
            if ref == alt:
                same = f"{kind}.{loc}="
                raise refuse(_("In “%(value)s” the reference and the new base are the same; no change is written %(same)s, a change e.g. c.2573T>G.",
                               value=value, same=same))
            return f"{loc}{ref}>{alt}"
        if span is not None and len(ref) == span and len(ref) + len(alt) > 2:  # c.2155_2156GC>TT
            return f"{loc}delins{alt}"
        raise refuse(_("A substitution (>) changes one base into one other base; for more write a deletion-insertion, e.g. c.2155_2156delinsTT (“%(value)s”).", value=value))
    if c["delins"]:
        _length_check(c["delins_del"], span, value, "c.2155_2156delinsTT")
        inserted = _inserted(c["delins"])
        deleted = (c["delins_del"] or "").upper()
        if end is None and len(deleted) == 1 and len(inserted) == 1 and inserted != "N":  # c.100delAinsT
            return dna_variant(kind, f"{loc}{deleted}>{inserted}")
        return f"{loc}delins{inserted}"
    if c["ins"]:
        if end is None and not start.startswith("("):
            raise refuse(_("An insertion lies between two neighbouring positions, e.g. c.2300_2301insGCA (“%(value)s”).", value=value))
        if span is not None and span != 2:
            raise refuse(_("The positions of an insertion are the two neighbouring bases it lies between, e.g. c.2300_2301insGCA, not c.2300_2302insGCA (“%(value)s”).", value=value))
        return f"{loc}ins{_inserted(c['ins'])}"
    if c["inv"]:
        if end is None or span == 1:
            raise refuse(_("An inversion covers at least two bases, e.g. c.1_10inv (“%(value)s”).", value=value))
        _length_check(c["inv_n"], span, value, "c.1_10inv")
        return f"{loc}inv"
    for key in ("del", "dup"):
        if c[key]:
            given = c[f"{key}_seq"]
            if given and given.upper().startswith("N["):
                return f"{loc}{key}{given.upper()}"  # c.(4_246)delN[15]: a size, not bases
            _length_check(given, span, value, f"c.2235_2249{key}")
            return f"{loc}{key}"
    if c["con"]:
        return f"{loc}con{c['con']}"
    if c["repeat"]:
        return loc + c["repeat"].upper()
    return f"{loc}="


def _inserted(text: str) -> str:
    """Upper-case bases; the old ins(10) is written insN[10] since v15."""
    if re.fullmatch(r"\(\d+\)", text):
        return f"N[{text[1:-1]}]"
    if re.fullmatch(rf"{_SEQ}|N{_COUNT}", text, re.I):
        return text.upper()
    return text


def dna_regions(body: str) -> set[int] | None:
    """The regions (``Point.region``) the positions of a stored c. description lie in,
    after the "c.": {0} for -124C>T (before the start codon), {2} for *32A>G (after the
    stop), {1} for 3082+1G>T; None when a position is unknown or there is none (=, ?)."""
    found: set[int] = set()
    try:
        parts, _seps = _split(body)
        for part in parts:
            for item in _split(part[1:-1])[0] if _wrapped(part, "[", "]") else [part]:
                m = _LOCATIONS["c"].match(item)
                if not m:
                    return None
                for point in _endpoint(m.group(1)) + _endpoint(m.group(2)):
                    if point is None:
                        return None
                    found.add(point.region)
    except (NoParse, InvalidInput):
        return None
    return found or None


def dna_body(kind: str, body: str) -> str:
    if body in ("?", "="):
        return body
    if body.startswith("[") or "(;)" in body:
        return alleles(body, lambda item: dna_variant(kind, item), ("=", "?"))
    return dna_variant(kind, body)


# --- Protein --------------------------------------------------------------------

ONE_LETTER = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "E": "Glu", "Q": "Gln",
    "G": "Gly", "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe",
    "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "U": "Sec", "O": "Pyl",
}
_BY_LOWER = {three.lower(): three for three in ONE_LETTER.values()}
_STOPS = {"ter", "*", "stop"}  # all stored as Ter
#: Any (an unknown) amino acid: HGVS writes Xaa (X); X no longer means a stop.
_ANY = {"x", "xaa"}


class Mode(NamedTuple):
    """How residues are written: three-letter (Val) or one-letter (V), exact case
    first, then any case ("VAL600GLU", "v600e")."""
    residue: str
    flags: int
    one_letter: bool


_THREE = "|".join(sorted(ONE_LETTER.values())) + r"|Ter|Stop|\*|Xaa|X"
_ONE = "Xaa|[" + "".join(ONE_LETTER) + r"*X]"  # G719Xaa: one-letter reports meaning any
MODES = [Mode(_THREE, 0, False), Mode(_ONE, 0, True), Mode(_THREE, re.I, False), Mode(_ONE, re.I, True)]


def _canon(residue: str) -> str:
    low = residue.lower()
    if low in _STOPS:
        return "Ter"
    if low in _ANY:
        return "Xaa"
    return ONE_LETTER[residue.upper()] if len(residue) == 1 else _BY_LOWER[low]


class _Protein:
    """Parses one protein variant in a given Mode."""

    def __init__(self, mode: Mode):
        r = f"(?:{mode.residue})"
        self.mode = mode
        self.residues = re.compile(rf"(?:{r})+", mode.flags)
        self.residue = re.compile(r, mode.flags)
        self.location = re.compile(rf"({r})(\d+)(?:_({r})(\d+))?", mode.flags)
        stop = r"(?:Ter|Stop|\*|X)"
        self.tail = re.compile(rf"""
            (?P<delins>delins|del(?P<deleted>{r}+)ins|>)(?P<delins_seq>.+)
          | (?P<del>del|dup)(?P<del_seq>{r}+)?
          | ins(?P<ins_seq>.+)
          | \[(?P<repeat>\d+|\(\d+_\d+\))\]
          | (?P<same>=) | (?P<unknown>\?)
          | (?P<new>{r})?(?:
                (?P<fs>fs)(?:{stop}(?P<fs_stop>\d+|\?))?
              | ext(?:-(?P<ext_n>\d+)|{stop}(?P<ext_c>\d+|\?))
            )?
        """, (re.X | re.I) if mode.flags else re.X)

    def seq(self, text: str) -> list[str]:
        if not self.residues.fullmatch(text):
            raise NoParse
        if self.mode.flags and self.mode.one_letter and re.search("del|ins|dup|ext|inv|fs", text, re.I):
            raise NoParse  # "p.v600delinsinsdel": keywords, not one-letter residues in any case
        out = [_canon(r) for r in self.residue.findall(text)]
        if "Ter" in out[:-1]:  # nothing is listed after a stop
            raise NoParse
        return out

    def variant(self, text: str, outer: bool = True) -> str:
        if outer and _wrapped(text, "(", ")"):  # predicted: p.(Leu858Arg)
            return "(" + self.variant(text[1:-1], False) + ")"
        m = self.location.match(text)
        t = self.tail.fullmatch(text[m.end():]) if m else None
        if not t:
            raise NoParse
        value = f"p.{text}"
        aa1, pos1, aa2, pos2 = m.groups()
        if _canon(aa1) == "Xaa" or aa2 is not None and _canon(aa2) == "Xaa":
            raise NoParse  # a change is placed on known residues
        aa1 = _canon(aa1)
        pos1 = int(pos1)
        first = f"{aa1}{pos1}"
        if pos1 == 0 or pos2 is not None and int(pos2) == 0:
            raise refuse(_("Amino acids are numbered from 1 (the Met of the start), e.g. p.Met1? or p.Val600Glu (“%(value)s”).", value=value))
        last, span = None, 1
        if pos2 is not None:
            aa2, pos2 = _canon(aa2), int(pos2)
            if pos2 <= pos1:
                raise refuse(_("The range in “%(value)s” must run from the lower to the higher position, e.g. p.Glu746_Ala750del.", value=value))
            last, span = f"{aa2}{pos2}", pos2 - pos1 + 1
        loc = first + (f"_{last}" if last else "")
        g = t.groupdict()
        if g["delins"]:
            if g["deleted"]:
                self.check_listed(self.seq(g["deleted"]), aa1, aa2, span, value)
            inserted = self.inserted(g["delins_seq"])
            if g["delins"] == ">" and last is None and len(inserted) == 3:  # p.V600>E is V600E
                return _PARSERS[0].variant(first + inserted, False)
            return f"{loc}delins{inserted}"  # also COSMIC's p.L747_P753>S
        if g["del"]:
            if g["del_seq"]:
                self.check_listed(self.seq(g["del_seq"]), aa1, aa2, span, value)
            return loc + g["del"].lower()
        if g["ins_seq"]:
            if last is None or pos2 != pos1 + 1:
                raise refuse(_("An insertion is placed between two neighbouring amino acids, e.g. p.Asp770_Asn771insSerValAsp (“%(value)s”).", value=value))
            return f"{loc}ins{self.inserted(g['ins_seq'])}"
        if g["repeat"]:
            return f"{loc}[{g['repeat']}]"
        if g["same"] or g["unknown"]:
            return loc + t.group(0)
        if last is not None:
            raise NoParse  # a range needs del, dup, ins, delins, = or a repeat
        new = _canon(g["new"]) if g["new"] else ""
        if new == "Xaa" and g["new"].lower() == "x" and not (g["fs"] or g["ext_n"] or g["ext_c"]):
            # Old reports write a stop as X (TP53 R213X); others any amino acid (EGFR G719X):
            # the board must not read one as the other.
            raise refuse(_(
                "“X” in “%(value)s” may mean a stop codon (older reports: R213X) or any amino acid "
                "(EGFR G719X): write which, e.g. p.%(first)s* or p.%(first)sTer for a stop, "
                "p.%(first)sXaa for any amino acid, or the amino acid found (p.Gly719Ser).",
                value=value, first=first))
        if aa1 == "Ter" and not g["ext_c"]:
            raise refuse(_("A change of the stop codon into an amino acid is an extension, e.g. p.Ter110GlnextTer17 or p.Ter327ArgextTer? (“%(value)s”).", value=value))
        if g["fs"]:
            if new == "Ter":
                raise NoParse
            stop = f"Ter{self.count(g['fs_stop'])}" if g["fs_stop"] else ""
            return f"{first}{new}fs{stop}"
        if g["ext_n"]:
            if first != "Met1" or new == "Ter":
                raise NoParse
            return f"{first}{new}ext-{int(g['ext_n'])}"
        if g["ext_c"]:
            if aa1 != "Ter" or new in ("", "Ter"):
                raise NoParse
            return f"{first}{new}extTer{self.count(g['ext_c'])}"
        if not new:
            raise NoParse
        if new == aa1:
            same = f"p.{first}="
            raise refuse(_("In “%(value)s” the amino acid does not change; a silent change is written %(same)s, a change e.g. p.Val600Glu.",
                           value=value, same=same))
        return first + new

    @staticmethod
    def count(text: str) -> str:
        if text != "?" and int(text) == 0:
            raise NoParse
        return text if text == "?" else str(int(text))

    def inserted(self, text: str) -> str:
        m = re.fullmatch(r"(?:X|Xaa)\[(\d+)\]|(?:Ter|\*)(\d+)", text, re.I)
        if m:  # p.Arg78_Gly79insX[23], p.Gln746_Lys747ins*63
            return f"X[{int(m.group(1))}]" if m.group(1) else f"Ter{int(m.group(2))}"
        return "".join(self.seq(text))

    @staticmethod
    def check_listed(listed: list[str], aa1: str, aa2: str | None, span: int, value: str) -> None:
        """p.E746_A750delELREA: the listed residues are dropped if they fit."""
        if len(listed) != span or listed[0] != aa1 or listed[-1] != (aa2 or aa1):
            raise refuse(_("The amino acids listed in “%(value)s” do not fit its positions; write the change without them, e.g. p.Glu746_Ala750del.", value=value))


_PARSERS = [_Protein(mode) for mode in MODES]


def protein_body(body: str) -> str:
    inner = body[1:-1] if _wrapped(body, "(", ")") else body
    if inner in ("?", "=", "0", "0?"):
        return body
    for parser in _PARSERS:
        try:
            if body.startswith("[") or "(;)" in body:
                return alleles(body, parser.variant, ("=", "?", "0"))
            return parser.variant(body)
        except NoParse:
            continue
    raise NoParse
