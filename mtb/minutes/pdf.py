"""Turning our own HTML into PDF, fetching nothing but MTB's static files.

WeasyPrint runs in a process beside the worker (``mtb.minutes.pdf_process``, the engine in
``mtb.minutes.pdf_engine``); the signature is added here. The engine's URL fetcher answers
URLs under ``PDF_BASE_URL + "static/"`` from the app's static folder and refuses everything
else (other hosts, ``http://``, ``file://``, ``data:``), so no text typed into a form can
make the server read a local file or call the network.

Documents are tagged PDF/A-3b: title, author (the board), subject and language come from
the HTML's <title>, <meta> and lang; the XMP metadata also carries the language and the
content fingerprint (``dc:identifier``), so an archive reads them without MTB.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import current_app

from mtb.minutes import pdf_process
from mtb.minutes.signing import SignatureBox, SignatureRequest, sign_pdf

#: The documents' base URL. ``.invalid`` is reserved (RFC 2606): it never resolves,
#: so even a fetcher bug could not reach a real host.
PDF_BASE_URL = "https://mtb.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "static/"


def w3c_date(value: datetime) -> str:
    """Naive UTC -> the W3C form WeasyPrint reads from <meta name="dcterms.created">."""
    return value.replace(microsecond=0).isoformat() + "Z"


def html_to_pdf(html: str, signature: SignatureRequest | None = None) -> bytes:
    """Render HTML to a tagged PDF/A. Document dates come from the HTML's dcterms metas,
    so the same HTML always gives the same bytes. With ``signature``, the PDF is then
    signed (``mtb.minutes.signing``), the field over the element ``#signature``."""
    rendered = pdf_process.render(html, base_url=PDF_BASE_URL, static_folder=current_app.static_folder,
                                  static_prefix=STATIC_PREFIX)
    if signature is None:
        return rendered["pdf"]
    box = SignatureBox(*rendered["box"]) if rendered["box"] is not None else None
    return sign_pdf(rendered["pdf"], signature, box)


def canonical_json(context: dict) -> str:
    """The one serialisation the fingerprint is taken over: sorted keys, no spaces."""
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()
