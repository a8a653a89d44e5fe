"""Attachment files: the type is read from the content (never the name or the
browser's header), the name's extension must agree, names are made safe for download.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from urllib.parse import quote

from werkzeug.utils import secure_filename

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _

#: file_type -> (content type, extensions a name of that type may end with)
FILE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "vcf": ("text/x-vcf", (".vcf",)),
    "vcf.gz": ("application/gzip", (".vcf.gz", ".vcf.bgz")),
    "csv": ("text/csv", (".csv",)),
    "tsv": ("text/tab-separated-values", (".tsv", ".csv")),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
}

TYPE_LABELS = {
    "pdf": "PDF", "vcf": "VCF", "vcf.gz": "VCF (gzip)", "csv": "CSV", "tsv": "TSV",
    "png": "PNG", "jpeg": "JPEG",
}

ACCEPT_ATTRIBUTE = ".pdf,.vcf,.gz,.csv,.tsv,.png,.jpg,.jpeg"

_PNG = b"\x89PNG\r\n\x1a\n"
_VCF_HEAD = b"##fileformat=VCF"
_BOM = b"\xef\xbb\xbf"
#: Lines read to decide whether a text file has one consistent delimiter.
_SNIFF_LINES = 500


@dataclass
class Upload:
    """A file as received: its name as the browser sent it, and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    file_type: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def detect_type(data: bytes) -> str | None:
    """The file type read from the bytes, or None when it is none MTB accepts."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_PNG):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 64)
        except zlib.error:
            return None
        return "vcf.gz" if head.removeprefix(_BOM).startswith(_VCF_HEAD) else None
    if data.removeprefix(_BOM).startswith(_VCF_HEAD):  # a UTF-8 BOM (a file saved on Windows) before the header
        return "vcf"
    return _delimited_text_type(data)


def _delimited_text_type(data: bytes) -> str | None:
    """"tsv" or "csv" when the bytes are UTF-8 text whose rows all split into the same
    number (at least two) of fields on one delimiter; otherwise None."""
    if not data or b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = [line for line in text.splitlines() if line.strip()][:_SNIFF_LINES]
    if not lines:
        return None
    for delimiter, file_type in (("\t", "tsv"), (",", "csv"), (";", "csv")):
        try:
            widths = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return file_type
    return None


def readable_filename(name: str) -> str:
    """The user's file name kept readable (accents, spaces) but safe: no path, no
    control characters, no quotes, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[\"<>:|?*]", "", name).strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


_FILENAME_PARAM = re.compile(r'filename="((?:[^"\\]|\\.)*)"', re.I)


def sent_filename(file) -> str:
    """The file name as the browser sent it, path included if there was one.

    Werkzeug reads ``filename="C:\\Users\\x\\report.pdf"`` as a quoted string and drops
    the backslashes ("C:Usersxreport.pdf"), so the raw header is read first: some
    browsers send a Windows path, of which only the last component is kept.
    """
    header = ""
    headers = getattr(file, "headers", None)
    if headers is not None:
        header = headers.get("Content-Disposition", "") or ""
    match = _FILENAME_PARAM.search(header)
    if match and ("\\" in match.group(1) or "/" in match.group(1)):
        return re.split(r"[\\/]", match.group(1))[-1]
    return getattr(file, "filename", "") or ""


def _extension_matches(name: str, file_type: str) -> bool:
    lower = name.lower()
    return any(lower.endswith(ext) for ext in FILE_TYPES[file_type][1])


def check_upload(filename: str, data: bytes, max_bytes: int) -> CheckedFile:
    """Check one uploaded file; raises InvalidInput(None, message) on any problem."""
    name = readable_filename(filename)
    if not name:
        raise InvalidInput(None, _("The file has no name; rename it (e.g. report.pdf) and upload it again."))
    size = len(data)
    if size == 0:
        raise InvalidInput(None, _("%(name)s is empty.", name=name))
    if size > max_bytes:
        raise InvalidInput(None, _("%(name)s is %(size).1f MB; the limit is %(limit).1f MB per file. Compress or split it.", name=name, size=size / 1048576, limit=max_bytes / 1048576))
    file_type = detect_type(data)
    if file_type is None:
        raise InvalidInput(None, _("%(name)s is not a file type MTB accepts. Attach a PDF, a VCF (.vcf or .vcf.gz), a CSV/TSV table, or a PNG/JPEG image.", name=name))
    if not _extension_matches(name, file_type):
        expected = " ".join(FILE_TYPES[file_type][1])
        raise InvalidInput(None, _("%(name)s contains a %(type)s file but its name does not say so; rename it to end with %(ext)s.", name=name, type=TYPE_LABELS[file_type], ext=expected))
    return CheckedFile(
        filename=name, file_type=file_type, content_type=FILE_TYPES[file_type][0], size=size,
        sha256=hashlib.sha256(data).hexdigest(), data=data,
    )


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and, for other names, RFC 5987 filename*."""
    fallback = secure_filename(filename) or "attachment"
    known = [ext for _ctype, exts in FILE_TYPES.values() for ext in exts if filename.lower().endswith(ext)]
    suffix = max(known, key=len, default="")
    if suffix and not fallback.lower().endswith(suffix):
        # secure_filename drops non-ASCII letters: keep at least the type on disk.
        fallback = "attachment" + suffix
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
