"""PAdES signatures on the stored minutes and letters (pyHanko).

The key and certificate come from the configuration: PEM files (``SIGNING_KEY``,
``SIGNING_CERT``, optionally ``SIGNING_CHAIN``) or a PKCS#12 file (``SIGNING_PKCS12``).
With neither, MTB signs with a demo certificate issued by a demo certificate authority that
it makes once in ``instance/signing/``: the demo works out of the box, and a hospital must
configure its own key (README). A signature is PAdES B-B; with ``SIGNING_TSA_URL`` its
RFC 3161 time-stamp makes it B-T.

The signature is an incremental update: the signed file starts with the unsigned bytes,
so the rendered content stays reproducible and a changed byte breaks the signature.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app

from mtb.errors import ServiceUnavailable
from mtb.i18n import gettext as _

if TYPE_CHECKING:
    # pyHanko (~20 MB) is imported by the functions that sign: a worker that never signs
    # does without it.
    from pyhanko.sign import signers, timestamps

log = logging.getLogger(__name__)

#: The one signature field of a document.
FIELD_NAME = "MTB-Signature"
DEMO_FOLDER = "signing"
DEMO_CA = "demo-ca.pem"
DEMO_CERT = "demo-board-signing.pem"
DEMO_KEY = "demo-board-signing-key.pem"
#: How long the demo certificates stay valid.
DEMO_VALIDITY = timedelta(days=10 * 365)


class SigningNotConfigured(RuntimeError):
    """The configured key or certificate cannot be read."""


class TimestampUnavailable(ServiceUnavailable):
    """The time-stamping service (``SIGNING_TSA_URL``) could not be reached or refused the
    request: the document was not signed. Defined here, without pyHanko, so that callers
    catch it without loading pyHanko."""


@dataclass(frozen=True)
class SignatureBox:
    """Where the visible signature field goes: a page index and a rectangle in PDF points
    (x1, y1, x2, y2, from the page's bottom left corner)."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class SignatureRequest:
    """Who signs and why, as the signature dictionary records it (viewers show it)."""

    name: str
    reason: str
    location: str = ""
    contact: str = ""


@dataclass(frozen=True)
class DemoFiles:
    ca: Path
    cert: Path
    key: Path


def demo_files(instance_path: str | os.PathLike) -> DemoFiles:
    folder = Path(instance_path) / DEMO_FOLDER
    return DemoFiles(ca=folder / DEMO_CA, cert=folder / DEMO_CERT, key=folder / DEMO_KEY)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign_documents, content_commitment=sign_documents,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=not sign_documents, crl_sign=not sign_documents,
                         encipher_only=False, decipher_only=False)


def make_demo_ca(instance_path: str | os.PathLike, organisation: str, *, replace: bool = False) -> DemoFiles:
    """Make the demo CA and the board signing certificate it issues, once.

    Written into a temporary folder then renamed into place, so two processes that start
    at once both end up with the same complete set. The CA's key is not kept: it issues
    this one certificate. Returns the files (existing ones unless ``replace``)."""
    files = demo_files(instance_path)
    folder = files.ca.parent
    if replace and folder.exists():
        shutil.rmtree(folder)
    if files.ca.exists() and files.cert.exists() and files.key.exists():
        return files
    now = datetime.now(UTC).replace(microsecond=0)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(f"MTB demo certificate authority ({organisation})"[:64], organisation)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + DEMO_VALIDITY)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(sign_documents=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(_name("MTB demo board signing (not for clinical use)", organisation))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + DEMO_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign_documents=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".signing-", dir=folder.parent))  # created 0700
    pem = serialization.Encoding.PEM
    (staging / DEMO_CA).write_bytes(ca.public_bytes(pem))
    (staging / DEMO_CERT).write_bytes(cert.public_bytes(pem))
    key_path = staging / DEMO_KEY
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    try:
        staging.rename(folder)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    else:
        log.warning("Made a demo signing certificate in %s: configure the hospital's own key "
                    "(MTB_SIGNING_KEY/MTB_SIGNING_CERT or MTB_SIGNING_PKCS12) in production", folder)
    return files


def is_demo(config=None) -> bool:
    """True when no key is configured: documents are signed with the demo certificate."""
    config = config if config is not None else current_app.config
    return not (config.get("SIGNING_PKCS12") or config.get("SIGNING_KEY") or config.get("SIGNING_CERT"))


def _password(value) -> bytes | None:
    return str(value).encode("utf-8") if value else None


#: The signer last loaded, with what it was loaded from: reading and checking a key takes
#: about 70 ms, and signing a meeting signs every decision letter with the same key.
_loaded: tuple[tuple, signers.SimpleSigner] | None = None


def _source_key(config) -> tuple:
    """What the signer is loaded from: the settings and each file's inode, size and change time (a
    key or certificate replaced on disk is read again, a settings change too)."""
    names = ("SIGNING_PKCS12", "SIGNING_PKCS12_PASSWORD", "SIGNING_KEY", "SIGNING_KEY_PASSWORD", "SIGNING_CERT",
             "SIGNING_CHAIN", "HOSPITAL_NAME")
    paths = [config.get(name) for name in ("SIGNING_PKCS12", "SIGNING_KEY", "SIGNING_CERT", "SIGNING_CHAIN")]
    if is_demo(config):
        demo = demo_files(current_app.instance_path)
        paths += [demo.ca, demo.cert, demo.key]
    files = []
    for path in paths:
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        files.append((stat.st_ino, stat.st_size, stat.st_mtime_ns) if stat else None)
    return (current_app.instance_path, *(str(config.get(n) or "") for n in names), *files)


def load_signer() -> signers.SimpleSigner:
    """The configured signer (or the demo one), kept while its settings and files are
    unchanged. Raises SigningNotConfigured when the configured files cannot be read."""
    global _loaded
    key = _source_key(current_app.config)
    if _loaded is not None and _loaded[0] == key:
        return _loaded[1]
    signer = _read_signer()
    _loaded = (_source_key(current_app.config), signer)  # the demo files may have just been made
    return signer


def _read_signer() -> signers.SimpleSigner:
    from pyhanko.sign import signers

    config = current_app.config
    chain = [config["SIGNING_CHAIN"]] if config.get("SIGNING_CHAIN") else None
    if config.get("SIGNING_PKCS12"):
        signer = signers.SimpleSigner.load_pkcs12(config["SIGNING_PKCS12"], ca_chain_files=chain,
                                                  passphrase=_password(config.get("SIGNING_PKCS12_PASSWORD")))
        what = config["SIGNING_PKCS12"]
    elif config.get("SIGNING_KEY") or config.get("SIGNING_CERT"):
        if not (config.get("SIGNING_KEY") and config.get("SIGNING_CERT")):
            raise SigningNotConfigured("MTB_SIGNING_KEY and MTB_SIGNING_CERT go together")
        signer = signers.SimpleSigner.load(config["SIGNING_KEY"], config["SIGNING_CERT"], ca_chain_files=chain,
                                           key_passphrase=_password(config.get("SIGNING_KEY_PASSWORD")))
        what = config["SIGNING_CERT"]
    else:
        files = make_demo_ca(current_app.instance_path, config.get("HOSPITAL_NAME") or "MTB")
        signer = signers.SimpleSigner.load(str(files.key), str(files.cert), ca_chain_files=[str(files.ca)])
        what = str(files.cert)
    if signer is None:  # pyHanko logs the reason and answers None
        raise SigningNotConfigured(f"cannot read the signing key or certificate ({what})")
    # pyHanko would sign with a key that is not the certificate's: every signature would fail.
    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if public != signer.signing_cert.public_key.dump():
        raise SigningNotConfigured(f"the signing key is not the key of the certificate ({what})")
    return signer


def timestamper() -> timestamps.TimeStamper | None:
    """The configured time-stamping service, or None (PAdES B-B)."""
    url = current_app.config.get("SIGNING_TSA_URL")
    if not url:
        return None
    from pyhanko.sign import timestamps

    return timestamps.HTTPTimeStamper(url, timeout=int(current_app.config.get("SIGNING_TSA_TIMEOUT_SECONDS", 10)))


def level() -> str:
    """What the signatures are, for the audit trail: "PAdES B-T", "PAdES B-B (demo certificate)"..."""
    words = "PAdES B-T" if current_app.config.get("SIGNING_TSA_URL") else "PAdES B-B"
    return f"{words} (demo certificate)" if is_demo() else words




def sign_pdf(data: bytes, request: SignatureRequest, box: SignatureBox | None = None) -> bytes:
    """``data`` signed (PAdES, incremental update), the field over ``box`` (else invisible).

    Raises TimestampUnavailable when the time-stamping service does not answer (or refuses)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    if box is not None:
        spec = fields.SigFieldSpec(FIELD_NAME, on_page=box.page, box=tuple(round(v, 2) for v in box.box))
    else:
        spec = fields.SigFieldSpec(FIELD_NAME)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        name=request.name or None, reason=request.reason or None, location=request.location or None,
        contact_info=request.contact or None,
    )
    # The field's own appearance draws nothing: the signature block under it is part of the
    # page (rendered with the document's embedded fonts, as PDF/A wants), the field makes it
    # the place a viewer shows the signature.
    stamp = StaticStampStyle(border_width=0, background=None)
    pdf_signer = signers.PdfSigner(meta, signer=load_signer(), timestamper=timestamper(), stamp_style=stamp,
                                   new_field_spec=spec)
    try:
        return run_async(lambda: pdf_signer.async_sign_pdf(writer)).getvalue()
    except TimestampRequestError as error:
        # The URL may carry credentials: the log names the host only, the user's message neither.
        host = urlsplit(current_app.config.get("SIGNING_TSA_URL") or "").hostname
        log.warning("the time-stamping service at %s failed (%s): nothing signed", host,
                    type(error.__cause__ or error).__name__)
        raise TimestampUnavailable(_(
            "The time-stamping service that dates each signature could not be reached, so nothing was signed and "
            "nothing was changed. Try again in a few minutes, or ask IT to check the time-stamping service "
            "(MTB_SIGNING_TSA_URL).")) from error


def run_async(make_coroutine):
    """pyHanko's synchronous API calls asyncio.run(), which fails where an event loop already
    runs in this thread (an async server, Playwright's sync API in the test process): there
    the signature is made in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
