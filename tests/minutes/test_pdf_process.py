"""The PDF engine runs in a process beside the worker: reused while documents follow each
other, replaced when it died, gone when idle, and never loaded into the worker itself."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mtb.minutes import pdf, pdf_process

PAGE = ('<!doctype html><html lang="en"><head><title>T</title></head>'
        '<body><p>Decision of the board</p><div id="signature" style="height:20mm">Sign here</div></body></html>')


@pytest.fixture
def engine():
    pdf_process.stop()
    yield
    pdf_process.stop()


def _pid() -> int:
    return pdf_process._engine.process.pid


def test_documents_in_a_row_share_one_engine_and_come_out_the_same(request_ctx, engine):
    first = pdf.html_to_pdf(PAGE)
    pid = _pid()
    assert pdf.html_to_pdf(PAGE) == first and _pid() == pid
    assert first.startswith(b"%PDF-") and pid != os.getpid()


def test_an_engine_that_died_is_replaced_and_the_document_still_rendered(request_ctx, engine):
    expected = pdf.html_to_pdf(PAGE)
    os.kill(_pid(), signal.SIGKILL)
    pdf_process._engine.process.wait()
    assert pdf.html_to_pdf(PAGE) == expected


def test_an_idle_engine_ends_and_the_next_document_starts_another(request_ctx, engine, monkeypatch):
    monkeypatch.setattr(pdf_process, "IDLE_SECONDS", 0.5)
    expected = pdf.html_to_pdf(PAGE)
    process = pdf_process._engine.process
    assert process.wait(timeout=20) == 0  # left on its own, its memory given back
    assert pdf.html_to_pdf(PAGE) == expected and pdf_process._engine.process is not process


def test_the_engine_error_is_raised_in_the_request(request_ctx, engine):
    with pytest.raises(pdf_process.EngineFailed, match="could not be rendered"):
        pdf_process.render(None, base_url=pdf.PDF_BASE_URL, static_folder="/nonexistent",
                           static_prefix=pdf.STATIC_PREFIX)
    assert pdf.html_to_pdf(PAGE).startswith(b"%PDF-")  # the engine goes on


def test_a_worker_that_signed_a_document_never_loaded_weasyprint(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from mtb import create_app
        from mtb.minutes import pdf
        from mtb.minutes.signing import SignatureRequest
        app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}})
        with app.test_request_context("/"):
            signed = pdf.html_to_pdf({PAGE!r}, signature=SignatureRequest(name="Pr Test", reason="test"))
        assert signed.startswith(b"%PDF-") and b"/ByteRange" in signed
        print("weasyprint" in sys.modules)
    """)
    env = {**os.environ, "MTB_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
