"""WeasyPrint's side of the documents: HTML in, an archival PDF out, run in a process of its own.

This module imports nothing from MTB: ``mtb.minutes.pdf_process`` starts it as a script
(``python -I pdf_engine.py``) beside a web worker and sends it documents to render, so the
engine (~30 MB) and each layout (~80 MB for a 40-case meeting, never given back to the
system by the allocator) live in that process, gone after a short idle time, never in the
worker. Tests import it like any module.

Nothing is fetched but MTB's static files: the URL fetcher answers URLs under the static
prefix from the static folder it is given and refuses everything else (other hosts,
``http://``, ``file://``, ``data:``), so no text typed into a form can make the server read
a local file or call the network.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import sys
import warnings
from multiprocessing.connection import Connection
from urllib.parse import unquote, urlsplit

import weasyprint.pdf.fonts
import weasyprint.text.fonts
from fontTools.ttLib import TTFont
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

log = logging.getLogger("mtb.minutes.pdf_engine")
# WeasyPrint logs every rendering step at INFO; only its warnings belong in our logs.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


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

#: Archival PDF: PDF/A-3b, tagged (structure tree, marked content) for assistive technology.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
#: The id of the element the signature field covers (the signature block of the last page).
SIGNATURE_ANCHOR = "signature"
#: The <meta name> holding the content fingerprint, written to the XMP as dc:identifier.
FINGERPRINT_META = "mtb.fingerprint"
#: WeasyPrint lengths are CSS pixels (1/96 in); PDF user space is points (1/72 in).
PT_PER_PX = 0.75


class RefusedURL(ValueError):
    """A PDF asked for something other than one of MTB's static files."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves MTB's static files and nothing else."""

    def __init__(self, static_folder: str, static_prefix: str):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_folder = os.path.realpath(static_folder)
        self.static_prefix = static_prefix
        #: Every URL asked for, served or refused (the render's answer carries them).
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if not url.startswith(self.static_prefix):
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


def _signature_box(document) -> tuple[int, tuple[float, float, float, float]] | None:
    """The signature block's page and rectangle on the last page holding it, in PDF points."""
    for index in range(len(document.pages) - 1, -1, -1):
        page = document.pages[index]
        if SIGNATURE_ANCHOR in page.anchors:
            left, top, right, bottom = page.anchors[SIGNATURE_ANCHOR]
            height = page.height
            return index, (left * PT_PER_PX, (height - bottom) * PT_PER_PX,
                           right * PT_PER_PX, (height - top) * PT_PER_PX)
    return None


def render(html: str, base_url: str, static_folder: str, static_prefix: str) -> dict:
    """Render HTML to a tagged PDF/A. Document dates come from the HTML's dcterms metas,
    so the same HTML always gives the same bytes. The answer: the PDF, where its signature
    block is (``box``, or None) and the URLs the document asked for (``requested``)."""
    fetcher = StaticOnlyFetcher(static_folder, static_prefix)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(**PDF_OPTIONS)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile (the PDF/A output intent) without closing it.
        warnings.filterwarnings("ignore", category=ResourceWarning, message=r"unclosed file .*sRGB2014\.icc")
        data = document.write_pdf(finisher=_finish, **PDF_OPTIONS)
    return {"pdf": data, "box": _signature_box(document), "requested": fetcher.requested}


# --- The process: messages on its standard input and output ---------------------------------

def main(idle_seconds: float) -> int:
    """Render the documents sent on standard input until it closes (the worker is gone) or
    nothing came for ``idle_seconds`` (the memory goes back to the system)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    jobs = Connection(os.dup(sys.stdin.fileno()), writable=False)
    answers = Connection(os.dup(sys.stdout.fileno()), readable=False)
    # Anything a library prints goes to standard error, not into the answers.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while jobs.poll(idle_seconds):
        try:
            job = jobs.recv()
        except EOFError:
            break
        try:
            answer = {"ok": render(**job)}
        except Exception as error:  # sent back: the worker raises it in its request
            answer = {"error": f"{type(error).__name__}: {error}"[:2000]}
        answers.send(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0))
