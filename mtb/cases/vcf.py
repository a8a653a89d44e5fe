"""Reading a lab's VCF (4.1-4.3, plain or gzip) into the variants it reports.

vcfpy parses the header and each record: it is pure Python (a wheel for every platform,
no htslib to build) and reads from a text stream, so the bytes stored with the case are
read as they are, never written to disk. Each record line is parsed on its own, so one
malformed line is listed by its number and the good records are kept, as a molecular
biologist expects from a file the lab's pipeline wrote.

What the records mean (annotations, VAF, copy number, fusions) is ``vcf_rows``'s job.
"""

from __future__ import annotations

import io
import re
import warnings
import zlib
from dataclasses import dataclass, field

import vcfpy

from mtb.cases.findings import GenomeBuild
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _

#: At most this many records are read (a panel's VCF holds hundreds; an exome's is not for a board form).
MAX_RECORDS = 20000
#: A (decompressed) file larger than this is refused: a panel's VCF is a few MB; this keeps a zip bomb out of memory.
MAX_TEXT_BYTES = 100 * 1024 * 1024
#: The unreadable lines listed on the review page; the others are only counted.
MAX_BAD_LINES = 50
_CHUNK = 1024 * 1024

_BUILD_WORDS = (
    (GenomeBuild.GRCH38, re.compile(r"GRCh38|hg38|\bb38\b|GCA_000001405\.15|GCF_000001405\.(?:2[6-9]|3\d|4\d)", re.IGNORECASE)),
    (GenomeBuild.GRCH37, re.compile(r"GRCh37|hg19|\bb37\b|hs37d5|human_g1k_v37|GCF_000001405\.(?:1\d|2[0-5])", re.IGNORECASE)),
)


class VcfRefused(InvalidInput):
    """The file cannot be read as a VCF the board can use; the message says why."""

    def __init__(self, message: str):
        super().__init__("vcf", message)


@dataclass
class VcfRecord:
    """One record as vcfpy read it, with the line it was on (1-based, counting header lines)."""

    line: int
    record: vcfpy.Record


@dataclass
class VcfFile:
    """What the file holds: its header, its records, the lines that could not be read."""

    header: vcfpy.Header
    records: list[VcfRecord]
    samples: list[str]
    #: (line number, what is wrong with it)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    build: GenomeBuild | None = None
    #: The sample the header names as the tumour (##tumor_sample=, Mutect2), else a guess.
    tumour_sample: str | None = None
    normal_sample: str | None = None
    #: The header lines' values, by key (##reference=..., ##source=...).
    meta: dict[str, str] = field(default_factory=dict)
    #: How many lines could not be read in all (only the first MAX_BAD_LINES are kept in bad_lines).
    bad_count: int = 0
    #: Record lines left unread because the file holds more than MAX_RECORDS.
    unread: int = 0

    def add_bad_line(self, line: int, problem: str) -> None:
        self.bad_count += 1
        if len(self.bad_lines) < MAX_BAD_LINES:
            self.bad_lines.append((line, problem))

    @property
    def bad_not_listed(self) -> int:
        return self.bad_count - len(self.bad_lines)


def decode(data: bytes) -> str:
    """The file as text: gunzipped (bgzip is gzip), UTF-8 (or Latin-1), Windows and old
    Mac line endings made Unix ones. Raises VcfRefused for what is not a VCF."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    if len(data) > MAX_TEXT_BYTES:
        raise _too_large()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("##fileformat=VCF"):
        raise VcfRefused(_("This is not a VCF file: a VCF starts with the line “##fileformat=VCFv4.2” (or 4.1, "
                           "4.3). Attach the VCF the laboratory's pipeline wrote."))
    return text


def _too_large() -> VcfRefused:
    return VcfRefused(_("The VCF holds more than %(n)d MB of text once decompressed: too large to review on a case. "
                        "Ask the laboratory for the filtered (panel) VCF.", n=MAX_TEXT_BYTES // (1024 * 1024)))


def _gunzip(data: bytes) -> bytes:
    """gzip or bgzip (several gzip members one after the other), decompressed in chunks and
    refused as soon as the text passes MAX_TEXT_BYTES."""
    out = bytearray()
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = rest
            while not inflater.eof:
                chunk = inflater.decompress(pending, _CHUNK)
                out += chunk
                if len(out) > MAX_TEXT_BYTES:
                    raise _too_large()
                pending = inflater.unconsumed_tail
                if not chunk and not pending and not inflater.eof:
                    raise EOFError  # cut short (bgzip's empty end-of-file block ends its member: not cut)
            rest = inflater.unused_data
            if rest and rest[:2] != b"\x1f\x8b":
                break  # trailing padding after the last member
    except (EOFError, zlib.error):
        raise VcfRefused(_("The file is compressed but cannot be decompressed: it is damaged or not a gzip "
                           "VCF.")) from None
    return bytes(out)


def read_vcf(data: bytes) -> VcfFile:
    """Parse the file; raises VcfRefused when it is not a VCF or its header is broken."""
    lines = decode(data).split("\n")
    header_end = next((i for i, line in enumerate(lines) if line.startswith("#CHROM")), None)
    if header_end is None:
        raise VcfRefused(_("The VCF has no “#CHROM” column header line: the file is cut short or not a VCF."))
    header_text = "\n".join(lines[: header_end + 1]) + "\n"
    with warnings.catch_warnings():
        # vcfpy warns about headers it finds odd (a missing INFO definition, spaces): not the user's concern.
        warnings.simplefilter("ignore")
        try:
            reader = vcfpy.Reader.from_stream(io.StringIO(header_text))
        except Exception as error:  # noqa: BLE001  (vcfpy raises several kinds; all mean a broken header)
            raise VcfRefused(_("The VCF header cannot be read (%(problem)s).", problem=_short(error))) from None
        # vcfpy has no public call to parse one line: its private record parser is used
        # (pyproject.toml pins vcfpy's minor version for it).
        parser = reader.parser._record_parser
        found = VcfFile(header=reader.header, records=[], samples=list(reader.header.samples.names))
        for index in range(header_end + 1, len(lines)):
            line = lines[index]
            if not line.strip():
                continue
            if len(found.records) >= MAX_RECORDS:
                found.unread = sum(1 for rest in lines[index:] if rest.strip())
                break
            try:
                record = parser.parse_line(line)
            except Exception as error:  # noqa: BLE001  (a malformed line is listed, never a 500)
                found.add_bad_line(index + 1, _short(error))
                continue
            if record is not None:
                found.records.append(VcfRecord(index + 1, record))
    found.meta = _meta(lines[:header_end])
    found.build = genome_build(lines[:header_end])
    found.tumour_sample, found.normal_sample = _tumour_and_normal(found.samples, found.meta)
    return found


def _short(error: Exception) -> str:
    text = str(error).strip() or error.__class__.__name__
    if isinstance(error, (ValueError, IndexError)) and ("unpack" in text or "index" in text or "int()" in text):
        return _("the line does not have the VCF's columns (CHROM, POS, ID, REF, ALT, QUAL, FILTER, INFO...)")
    return text[:200]


def _meta(header_lines: list[str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in header_lines:
        key, sep, value = line[2:].partition("=")
        if sep and not value.startswith("<"):
            meta.setdefault(key.strip(), value.strip())
    return meta


def genome_build(header_lines: list[str]) -> GenomeBuild | None:
    """The build the header names (##reference, ##assembly, ##contig assembly=, VEP's
    assembly="..."), or None when it names none or names both."""
    found = set()
    for line in header_lines:
        lower = line.lower()
        if not lower.startswith(("##reference", "##assembly", "##contig", "##vep", "##genome", "##snpeffcmd",
                                 "##source_reference", "##ref")):
            continue
        for build, pattern in _BUILD_WORDS:
            if pattern.search(line):
                found.add(build)
                break
    return found.pop() if len(found) == 1 else None


_TUMOUR_NAME = re.compile(r"(^|[_.\-])(tumou?r|t|tum|somatic)([_.\-]|$)", re.IGNORECASE)
_NORMAL_NAME = re.compile(r"(^|[_.\-])(normal|n|nor|germline|blood)([_.\-]|$)", re.IGNORECASE)


def _tumour_and_normal(samples: list[str], meta: dict[str, str]) -> tuple[str | None, str | None]:
    """The tumour sample: the one ##tumor_sample= names (Mutect2, Strelka), else one whose
    name says so (TUMOR, T, X_tumour), else the only one; the normal likewise. With several
    samples and none named the tumour: None, the review asks which column is the tumour (the
    first column is as often the blood as the tumour)."""
    if not samples:
        return None, None
    tumour = meta.get("tumor_sample") or meta.get("tumour_sample")
    normal = meta.get("normal_sample")
    if tumour not in samples:
        tumour = next((s for s in samples if _TUMOUR_NAME.search(s)), None)
    if normal not in samples:
        normal = next((s for s in samples if s != tumour and _NORMAL_NAME.search(s)), None)
    if tumour is None and len(samples) == 1:
        tumour = samples[0]
    return tumour, normal
