"""The chair's signature is a real PAdES signature with the board's key: pyHanko and poppler's
pdfsig check it against the demo CA, a byte changed afterwards breaks it, and the signed file
starts with the reproducible unsigned rendering (the signature is an incremental update)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation.status import SignatureCoverageLevel

from mtb.audit.models import AuditEvent
from mtb.extensions import db
from mtb.minutes import pdf, signing
from mtb.minutes.models import DecisionLetter
from mtb.minutes.rendering import render_letter, render_minutes
from tests.minutes.helpers import demo_root, signed_meeting, validate

PDFSIG = shutil.which("pdfsig")


def _pdfsig(path, *args) -> str:
    return subprocess.run([PDFSIG, *args, str(path)], capture_output=True, text=True, check=False).stdout


def test_the_chairs_signature_on_minutes_and_letter_validates_against_the_demo_ca(
        app, team, started_meeting, create_case, tmp_path):
    _meeting, version = signed_meeting(team, started_meeting, create_case)
    letter = db.session.scalars(sa.select(DecisionLetter)).one()
    for data, unsigned in ((version.pdf, render_minutes(version)), (letter.pdf, render_letter(letter))):
        # The stored file is the reproducible rendering plus the signature's incremental update.
        assert data.startswith(unsigned) and len(data) > len(unsigned)
        signature, status = validate(data, [demo_root(app)])
        assert status.bottom_line and status.intact and status.valid and status.trusted
        assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
        assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
        assert signature.sig_object["/Name"] == "Pr Henri Laurent"
        assert "demo" in status.signing_cert.subject.human_friendly.lower()
        # A visible field on the last page, over the signature block.
        last_page = signature.reader.root["/Pages"]["/Kids"][-1].get_object()
        [widget] = [a.get_object() for a in last_page["/Annots"] if a.get_object().get("/T") == signing.FIELD_NAME]
        rect = [float(v) for v in widget["/Rect"]]
        assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 30 and widget["/F"] & 4  # printed
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "minutes.sign"))
    assert event.details["signature"] == "PAdES B-B (demo certificate)"
    assert event.details["pdf_sha256"] == version.pdf_sha256
    # Nobody else's key: another root does not make it trusted.
    other = signing.make_demo_ca(tmp_path, "Another hospital")
    _, status = validate(version.pdf, [load_cert_from_pemder(str(other.ca))])
    assert status.intact and status.valid and not status.trusted and not status.bottom_line


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is installed by .ci/run")
def test_pdfsig_finds_the_signature_valid_and_the_document_unmodified(team, started_meeting, create_case, tmp_path):
    _, version = signed_meeting(team, started_meeting, create_case)
    path = tmp_path / "minutes.pdf"
    path.write_bytes(version.pdf)
    report = _pdfsig(path)
    assert "Signature is Valid." in report and "Total document signed" in report, report
    assert "Signature Type: ETSI.CAdES.detached" in report and "MTB demo board signing" in report
    # The demo CA is in no NSS database: poppler checks the signature, not the issuer's trust.
    assert "Certificate Validation:" in report and "Certificate is Trusted." not in report

    tampered = bytearray(version.pdf)
    tampered[11] ^= 0x01  # the binary comment of the header: the file still parses
    path.write_bytes(bytes(tampered))
    report = _pdfsig(path)
    assert "Digest Mismatch." in report and "Signature is Valid." not in report


def test_a_byte_changed_after_signing_fails_validation(app, small_pdf):
    signed = signing.sign_pdf(small_pdf, signing.SignatureRequest(name="Pr Test", reason="test"))
    _, status = validate(signed, [demo_root(app)])
    assert status.bottom_line
    tampered = bytearray(signed)
    tampered[11] ^= 0x01  # the binary comment of the header: the file still parses
    _, status = validate(bytes(tampered), [demo_root(app)])
    assert not status.intact and not status.bottom_line


def test_signing_works_where_an_event_loop_already_runs(app, small_pdf):
    """The suite's browser tests leave Playwright's loop running in the test thread, and an
    async server runs one: pyHanko's synchronous API refused to sign there."""
    async def sign_inside_a_loop():
        return signing.sign_pdf(small_pdf, signing.SignatureRequest(name="Pr Test", reason="test"))

    def in_a_thread_of_its_own():  # the test thread may already run the browser tests' loop
        with app.app_context():
            return asyncio.run(sign_inside_a_loop())

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        signed = pool.submit(in_a_thread_of_its_own).result()
    _, status = validate(signed, [demo_root(app)])
    assert status.bottom_line


@pytest.fixture
def small_pdf(request_ctx):
    return pdf.html_to_pdf('<!doctype html><html lang="en"><head><title>T</title></head>'
                           '<body><p>Signed content</p><div id="signature" style="height:20mm">Sign here</div></body></html>')


def test_a_configured_pem_key_or_pkcs12_file_signs_instead_of_the_demo(app, monkeypatch, tmp_path, small_pdf):
    files = signing.make_demo_ca(tmp_path / "hospital", "Hôpital de test")
    request = signing.SignatureRequest(name="Pr Test", reason="test")
    monkeypatch.setitem(app.config, "SIGNING_KEY", str(files.key))
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(files.cert))
    monkeypatch.setitem(app.config, "SIGNING_CHAIN", str(files.ca))
    assert not signing.is_demo()
    signed = signing.sign_pdf(small_pdf, request, signing.SignatureBox(0, (50, 50, 250, 120)))
    _, status = validate(signed, [load_cert_from_pemder(str(files.ca))])
    assert status.bottom_line and "Hôpital de test" in status.signing_cert.subject.human_friendly

    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    cert = load_pem_x509_certificate(files.cert.read_bytes())
    bundle = tmp_path / "board.p12"
    bundle.write_bytes(pkcs12.serialize_key_and_certificates(
        b"board", key, cert, [load_pem_x509_certificate(files.ca.read_bytes())],
        serialization.BestAvailableEncryption(b"s3cret")))
    monkeypatch.setitem(app.config, "SIGNING_KEY", "")
    monkeypatch.setitem(app.config, "SIGNING_CERT", "")
    monkeypatch.setitem(app.config, "SIGNING_CHAIN", "")
    monkeypatch.setitem(app.config, "SIGNING_PKCS12", str(bundle))
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "s3cret")
    _, status = validate(signing.sign_pdf(small_pdf, request), [load_cert_from_pemder(str(files.ca))])
    assert status.bottom_line

    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "wrong")
    with pytest.raises((signing.SigningNotConfigured, ValueError, SigningError)):
        signing.sign_pdf(small_pdf, request)
    # A key that is not the certificate's is refused before anything is signed.
    monkeypatch.setitem(app.config, "SIGNING_PKCS12", "")
    monkeypatch.setitem(app.config, "SIGNING_KEY", str(files.key))
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(files.ca))
    with pytest.raises(signing.SigningNotConfigured, match="not the key of the certificate"):
        signing.sign_pdf(small_pdf, request)


def test_the_signing_key_is_read_once_and_again_when_its_file_is_replaced(app, monkeypatch, tmp_path, small_pdf):
    """A meeting's signature signs every letter with one key (reading it takes ~70 ms);
    a key rotated on disk is read again without a restart."""
    files = signing.make_demo_ca(tmp_path / "hospital", "Hôpital de test")
    monkeypatch.setitem(app.config, "SIGNING_KEY", str(files.key))
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(files.cert))
    first = signing.load_signer()
    assert signing.load_signer() is first
    rotated = signing.make_demo_ca(tmp_path / "hospital", "Hôpital de test", replace=True)
    second = signing.load_signer()
    assert second is not first and second.signing_cert.dump() == load_cert_from_pemder(str(rotated.cert)).dump()
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(files.ca))  # a settings change is read at once too
    with pytest.raises(signing.SigningNotConfigured, match="not the key of the certificate"):
        signing.load_signer()


def test_a_time_stamping_url_makes_the_signature_pades_b_t(app, monkeypatch, tmp_path, small_pdf):
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    assert signing.timestamper() is None and signing.level() == "PAdES B-B (demo certificate)"
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", "https://tsa.hospital.invalid/tsr")
    stamper = signing.timestamper()
    assert isinstance(stamper, HTTPTimeStamper) and stamper.url == "https://tsa.hospital.invalid/tsr"
    assert signing.level() == "PAdES B-T (demo certificate)"

    # No network in tests: a local time-stamping authority answers instead of the URL.
    tsa = signing.make_demo_ca(tmp_path / "tsa", "Time-stamping authority")
    tsa_key = serialization.load_pem_private_key(tsa.key.read_bytes(), password=None)
    from asn1crypto import keys

    local = DummyTimeStamper(tsa_cert=load_cert_from_pemder(str(tsa.cert)), tsa_key=keys.PrivateKeyInfo.load(
        tsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())))
    monkeypatch.setattr(signing, "timestamper", lambda: local)
    signed = signing.sign_pdf(small_pdf, signing.SignatureRequest(name="Pr Test", reason="test"))
    _, status = validate(signed, [demo_root(app), load_cert_from_pemder(str(tsa.ca))])
    # The signature time-stamp of PAdES B-T, over the signature value.
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert status.intact and status.valid


def test_the_demo_ca_is_made_once_with_a_private_key(app, tmp_path):
    first = signing.make_demo_ca(tmp_path, "Demo")
    ca = first.ca.read_bytes()
    assert signing.make_demo_ca(tmp_path, "Demo").ca.read_bytes() == ca
    assert first.key.stat().st_mode & 0o077 == 0
    assert signing.make_demo_ca(tmp_path, "Demo", replace=True).ca.read_bytes() != ca
    result = app.test_cli_runner().invoke(args=["signing", "demo-ca"])
    assert result.exit_code == 0 and str(signing.demo_files(app.instance_path).ca) in result.output
    result = app.test_cli_runner().invoke(args=["signing", "check"])
    assert result.exit_code == 0 and "MTB demo board signing" in result.output and "DEMO" in result.output
