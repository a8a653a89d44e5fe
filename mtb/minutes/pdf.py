"""Turning our own HTML into PDF with WeasyPrint, fetching nothing but MTB's static files.

A PDF is rendered from stored data only: the URL fetcher answers URLs under
``PDF_BASE_URL + "static/"`` from the app's static folder and refuses everything
else (other hosts, ``http://``, ``file://``, ``data:``), so no text typed into a
form can make the server read a local file or call the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
from datetime import datetime
from urllib.parse import unquote, urlsplit

import weasyprint.pdf.fonts
import weasyprint.text.fonts
from flask import current_app
from fontTools.ttLib import TTFont
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

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


def html_to_pdf(html: str, url_fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render HTML to PDF bytes. Document dates come from the HTML's dcterms metas,
    so the same HTML always gives the same bytes."""
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=url_fetcher or fetcher()).write_pdf()


def canonical_json(context: dict) -> str:
    """The one serialisation the fingerprint is taken over: sorted keys, no spaces."""
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()
