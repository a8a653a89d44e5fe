"""Minutes rendering: MTB's whole path against WeasyPrint alone on the same HTML.

On the generated database, the last signed thoracic meeting (40 cases, validated
decisions) gets new minutes versions rendered by the app's own function (plain context,
canonical JSON, Jinja, WeasyPrint, storing the row), and each version's HTML is also
given to WeasyPrint alone, in the PDF engine's process as MTB's renders are. The two runs
of a pair follow each other, the order alternating from pair to pair (interleaved), so
drift on a busy 2-core machine hits both sides alike; the figure is the median of the
pairwise ratios, not a best-of.
Everything is rolled back at the end: the database is unchanged.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime


def measure(url: str, meta: dict, pairs: int = 7, log=print) -> dict:
    from benchmarks.common import make_app
    from benchmarks.dataset import _rendering_module

    app = make_app(url)
    from mtb.extensions import db

    with app.test_request_context("/"):
        rendering = _rendering_module()
        from flask import current_app

        from mtb.accounts.models import User
        from mtb.meetings.models import Meeting
        from mtb.minutes import pdf as mtb_pdf
        from mtb.minutes import pdf_process

        minutes_html = rendering.minutes_html
        meeting = db.session.get(Meeting, meta["minutes_meeting_id"])
        signer = db.session.scalar(db.select(User).where(User.email == meta["login_email"]))
        items = len(meeting.items)
        tz = meeting.board.timezone

        def app_side():
            started = time.perf_counter()
            now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
            version = rendering.create_minutes_version(meeting, signer, now, "benchmark")
            db.session.flush()
            return time.perf_counter() - started, version

        def weasy_side(html):
            started = time.perf_counter()
            # WeasyPrint alone, in the same kind of process as MTB's (the engine beside the
            # worker): in this process, which holds the whole app and its data, WeasyPrint ran
            # 15-40 % slower than through MTB's own path, and the ratio said less than 1.
            data = pdf_process.render(html, base_url=mtb_pdf.PDF_BASE_URL, static_folder=current_app.static_folder,
                                      static_prefix=mtb_pdf.STATIC_PREFIX)["pdf"]
            return time.perf_counter() - started, data

        try:
            # Warm-up (fonts, templates, stylesheet), not counted.
            _, version = app_side()
            html = minutes_html(json.loads(version.content_json), version, tz)
            weasy_side(html)
            app_times, weasy_times, ratios = [], [], []
            for n in range(pairs):
                if n % 2 == 0:
                    app_s, version = app_side()
                    html = minutes_html(json.loads(version.content_json), version, tz)
                    weasy_s, pdf = weasy_side(html)
                else:
                    weasy_s, pdf = weasy_side(html)  # the HTML of the previous version: same content
                    app_s, version = app_side()
                app_times.append(app_s)
                weasy_times.append(weasy_s)
                ratios.append(app_s / weasy_s)
            started = time.perf_counter()
            html = minutes_html(json.loads(version.content_json), version, tz)
            jinja_ms = (time.perf_counter() - started) * 1000
            size_kb = len(version.pdf) / 1024
        finally:
            db.session.rollback()
            db.session.remove()
    with app.app_context():
        db.engine.dispose()
    result = {
        "items": items,
        "pairs": pairs,
        "pdf_kb": round(size_kb, 1),
        "app_median_ms": round(statistics.median(app_times) * 1000, 1),
        "weasyprint_median_ms": round(statistics.median(weasy_times) * 1000, 1),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "minutes_html_ms": round(jinja_ms, 1),
    }
    log(
        f"  minutes of a {items}-case meeting ({result['pdf_kb']:.0f} KB): MTB {result['app_median_ms']:.0f} ms, "
        f"WeasyPrint alone {result['weasyprint_median_ms']:.0f} ms, median ratio {result['ratio_median']:.2f} "
        f"(pairs {result['ratio_min']:.2f}-{result['ratio_max']:.2f})"
    )
    return result
