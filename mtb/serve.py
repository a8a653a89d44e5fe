"""`make run`: gunicorn for the web, and one scheduler process beside it."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from gunicorn.glogging import Logger

from mtb.http import loggable_path


class AccessLogger(Logger):
    """Gunicorn's logger, with the request path as ``mtb.http.loggable_path`` shows it."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = loggable_path(atoms.get("U", ""))
        return atoms


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve MTB with gunicorn and run its scheduler.")
    parser.add_argument("--port", default=os.environ.get("MTB_PORT", "5000"))
    parser.add_argument("--host", default=os.environ.get("MTB_HOST", "127.0.0.1"))
    parser.add_argument("--workers", default=os.environ.get("MTB_WORKERS", "2"))
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args()

    children = []
    if not args.no_scheduler:
        # The scheduler runs in its own process: web workers never start jobs.
        children.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "mtb", "scheduler"]))
    web = subprocess.Popen([
        sys.executable, "-m", "gunicorn", "wsgi:app",
        "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
        # The chair's signature renders the minutes and a letter per case in its request.
        "--access-logfile", "-", "--timeout", "600",
        # Paths without query strings (searches may carry a patient's name) nor secrets.
        "--logger-class", "mtb.serve.AccessLogger",
        "--access-logformat", '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
    ])
    children.append(web)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        web.wait()
    finally:
        stop()
        for child in children:
            child.wait(timeout=15)


if __name__ == "__main__":
    main()
