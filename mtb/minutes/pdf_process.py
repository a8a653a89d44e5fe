"""The PDF engine's process (``mtb.minutes.pdf_engine``), started beside the worker on demand.

A web worker that rendered one 40-case meeting kept WeasyPrint and the layout's memory for
the rest of its life (about 160 MB grew to 250). The engine now runs in a process of its
own: started at the first document (about a second), reused while documents follow each
other (a signature renders the minutes and a letter per case), ended ``IDLE_SECONDS`` after
the last one, when its memory goes back to the system.

One document at a time per worker (a lock: the test suite's live server runs threads). A
process that died is replaced, and a document that could not reach it is sent once more:
rendering has no side effect. A render that takes longer than ``TIMEOUT_SECONDS`` is
stopped with its process.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ENGINE = Path(__file__).with_name("pdf_engine.py")
IDLE_SECONDS = 30
TIMEOUT_SECONDS = 300

_lock = threading.Lock()


@dataclass
class _Engine:
    process: subprocess.Popen
    jobs: Connection
    answers: Connection


_engine: _Engine | None = None


class EngineFailed(RuntimeError):
    """The document could not be rendered (the engine's own error, or its process failed)."""


def render(html: str, *, base_url: str, static_folder: str, static_prefix: str) -> dict:
    """``pdf_engine.render``'s answer for this HTML: ``{"pdf", "box", "requested"}``."""
    job = {"html": html, "base_url": base_url, "static_folder": static_folder, "static_prefix": static_prefix}
    with _lock:
        answer = _exchange(job)
    if "error" in answer:
        raise EngineFailed(f"the PDF could not be rendered: {answer['error']}")
    return answer["ok"]


def _exchange(job: dict) -> dict:
    for attempt in (1, 2):
        engine = _running()
        try:
            engine.jobs.send(job)
            if not engine.answers.poll(TIMEOUT_SECONDS):
                _stop(engine, kill=True)
                raise EngineFailed(f"the PDF took longer than {TIMEOUT_SECONDS} s to render")
            return engine.answers.recv()
        except (BrokenPipeError, EOFError, ConnectionResetError) as error:
            # Ended meanwhile (idle just then, or killed): once more with a new process.
            _stop(engine)
            if attempt == 2:
                raise EngineFailed(f"the PDF engine's process ended ({type(error).__name__})") from error
    raise AssertionError("unreachable")


def _running() -> _Engine:
    global _engine
    if _engine is None or _engine.process.poll() is not None:
        if _engine is not None:
            _stop(_engine)
        # -I: the engine's folder is not put on sys.path (this package's module names
        # would shadow libraries'), and no PYTHON* variable changes what it imports.
        process = subprocess.Popen([sys.executable, "-I", str(ENGINE), str(IDLE_SECONDS)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        _engine = _Engine(process, Connection(os.dup(process.stdin.fileno()), readable=False),
                          Connection(os.dup(process.stdout.fileno()), writable=False))
        process.stdin.close()
        process.stdout.close()
    return _engine


def _stop(engine: _Engine, *, kill: bool = False) -> None:
    global _engine
    engine.jobs.close()  # the engine reads the end of its input and leaves
    engine.answers.close()
    if kill:
        engine.process.kill()
    try:
        engine.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        engine.process.kill()
        engine.process.wait()
    if _engine is engine:
        _engine = None


def stop() -> None:
    """End the engine's process now (at exit; tests)."""
    with _lock:
        if _engine is not None:
            _stop(_engine)


atexit.register(stop)
