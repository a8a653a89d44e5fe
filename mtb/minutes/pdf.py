"""Turning our own HTML into PDF with WeasyPrint, fetching nothing but MTB's static files.

A PDF is rendered from stored data only: the URL fetcher answers URLs under
``PDF_BASE_URL + "static/"`` from the app's static folder and refuses everything
else (other hosts, ``http://``, ``file://``, ``data:``), so no text typed into a
form can make the server read a local file or call the network.

Documents are tagged PDF/A-3b: title, author (the board), subject and language come from
the HTML's <title>, <meta> and lang; the XMP metadata also carries the language and the
content fingerprint (``dc:identifier``), so an archive reads them without MTB.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import warnings
from datetime import datetime
from urllib.parse import unquote, urlsplit

import weasyprint.pdf.fonts
import weasyprint.text.fonts
from flask import current_app
from fontTools.ttLib import TTFont
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from mtb.minutes.signing import SignatureBox, SignatureRequest, sign_pdf

log = logging.getLogger(__name__)
# WeasyPrint logs every rendering step at INFO; only its warnings belong in our logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class _TTFontKeepingItsDate(TTFont):
    """A fontTools font that keeps its own ``head.modified`` date when saved.

    WeasyPrint re-saves embedded fonts with fontTools when HarfBuzz-Subset is missing
    (and for variable, colour and WOFF fonts); fontTools then stamps the font with the
    wall clock, so two renders of the same HTML a second apart differed in each font
    stream. Keeping the font file's own date makes the bytes depend on the HTML only.
    """

    def __init__(self, *args, recalcTimestamp=False, **kwargs):
        super().__init__(*args, recalcTimestamp=recalcTimestamp, **kwargs)


weasyprint.pdf.fonts.TTFont = weasyprint.text.fonts.TTFont = _TTFontKeepingItsDate

#: The documents' base URL. ``.invalid`` is reserved (RFC 2606): it never resolves,
#: so even a fetcher bug could not reach a real host.
PDF_BASE_URL = "https://mtb.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "static/"


class RefusedURL(ValueError):
    """A PDF asked for something other than one of MTB's static files."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves MTB's static files and nothing else."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_folder = os.path.realpath(static_folder)
        #: Every URL asked for, served or refused (tests read it).
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if not url.startswith(STATIC_PREFIX):
            log.warning("PDF rendering refused to fetch %s", url[:200])
            raise RefusedURL(f"only MTB's static files may be fetched, not {url[:200]}")
        relative = unquote(urlsplit(url).path[len("/static/"):])
        path = safe_join(self.static_folder, relative)
        if path is None or not os.path.realpath(path).startswith(self.static_folder + os.sep):
            raise RefusedURL(f"outside the static folder: {url[:200]}")
        if not os.path.isfile(path):
            raise FileNotFoundError(relative)
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(current_app.static_folder)


def w3c_date(value: datetime) -> str:
    """Naive UTC -> the W3C form WeasyPrint reads from <meta name="dcterms.created">."""
    return value.replace(microsecond=0).isoformat() + "Z"


#: Archival PDF: PDF/A-3b, tagged (structure tree, marked content) for assistive technology.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
#: The id of the element the signature field covers (the signature block of the last page).
SIGNATURE_ANCHOR = "signature"
#: The <meta name> holding the content fingerprint, written to the XMP as dc:identifier.
FINGERPRINT_META = "mtb.fingerprint"
#: WeasyPrint lengths are CSS pixels (1/96 in); PDF user space is points (1/72 in).
PT_PER_PX = 0.75


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finish(document, pdf) -> None:
    """Complete the XMP metadata WeasyPrint wrote: the language and the fingerprint, in the
    same rdf:RDF (readers take the first one only). The metadata stream stays unfiltered
    (PDF/A). The info dictionary drops /Producer: pyHanko would append itself to WeasyPrint's
    there but replace it in the XMP, and PDF/A wants the two to agree."""
    extra = '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    if document.metadata.lang:
        extra += f"<dc:language><rdf:Bag><rdf:li>{_xml_text(document.metadata.lang)}</rdf:li></rdf:Bag></dc:language>"
    fingerprint = document.metadata.custom.get(FINGERPRINT_META)
    if fingerprint:
        extra += f"<dc:identifier>sha256:{_xml_text(fingerprint)}</dc:identifier>"
    extra += "</rdf:Description>"
    reference = pdf.catalog["Metadata"]  # b"12 0 R"
    stream = pdf.objects[int(reference.split()[0] if isinstance(reference, bytes) else str(reference).split()[0])]
    xmp = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
    stream.stream = [xmp.replace(b"</rdf:RDF>", extra.encode("utf-8") + b"</rdf:RDF>", 1)]
    stream.compress = False
    pdf.info.pop("Producer", None)


def _signature_box(document) -> SignatureBox | None:
    """The signature block's rectangle on the last page holding it, in PDF points."""
    for index in range(len(document.pages) - 1, -1, -1):
        page = document.pages[index]
        if SIGNATURE_ANCHOR in page.anchors:
            left, top, right, bottom = page.anchors[SIGNATURE_ANCHOR]
            height = page.height
            return SignatureBox(index, (left * PT_PER_PX, (height - bottom) * PT_PER_PX,
                                        right * PT_PER_PX, (height - top) * PT_PER_PX))
    return None


def html_to_pdf(html: str, url_fetcher: StaticOnlyFetcher | None = None,
                signature: SignatureRequest | None = None) -> bytes:
    """Render HTML to a tagged PDF/A. Document dates come from the HTML's dcterms metas,
    so the same HTML always gives the same bytes. With ``signature``, the PDF is then
    signed (``mtb.minutes.signing``), the field over the element ``#signature``."""
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=url_fetcher or fetcher()).render(**PDF_OPTIONS)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile (the PDF/A output intent) without closing it.
        warnings.filterwarnings("ignore", category=ResourceWarning, message=r"unclosed file .*sRGB2014\.icc")
        data = document.write_pdf(finisher=_finish, **PDF_OPTIONS)
    if signature is None:
        return data
    return sign_pdf(data, signature, _signature_box(document))


def canonical_json(context: dict) -> str:
    """The one serialisation the fingerprint is taken over: sorted keys, no spaces."""
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()
