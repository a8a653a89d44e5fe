"""Where a page's time goes, in-process, on the benchmark data set (an investigation aid).

    python -m benchmarks.profile [--db sqlite|postgresql] [--pages search_gene,agenda] [--repeat 5]
                                 [--explain] [--cprofile]

Uses the data set `make bench` cached (run it once first). For each page: median time of
``--repeat`` requests through the app's test client (logged in as the load clients are),
the share spent in SQL (cursor execute to result, measured per statement), the slowest
statements, with ``--explain`` their plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL:
EXPLAIN ANALYZE), and with ``--cprofile`` the functions that took the most time.
Read-only apart from the audit rows the pages themselves write.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time

from benchmarks import pages as catalogue
from benchmarks.common import BENCH_PASSWORD, DATA_DIR, dataset_key, make_app


def _dataset(db: str, cases: int, seed: int) -> tuple[str, dict]:
    key = dataset_key(cases, seed)
    if db == "sqlite":
        meta_path = DATA_DIR / f"sqlite-{key}.json"
        url = f"sqlite:///{DATA_DIR / 'sqlite-run.sqlite3'}"
    else:
        import hashlib

        url = os.environ["MTB_BENCH_DATABASE_URL"]
        meta_path = DATA_DIR / f"postgresql-{hashlib.sha256(url.encode()).hexdigest()[:10]}.json"
    if not meta_path.exists():
        raise SystemExit(
            f"no cached data set {meta_path.name}: run `make bench` (or benchmarks.run --cases {cases}) first"
        )
    return url, json.loads(meta_path.read_text())


def main(argv=None) -> int:
    import sqlalchemy as sa

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=4, help="slowest statements shown per page")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)

    url, meta = _dataset(args.db, args.cases, args.seed)
    app = make_app(url, WTF_CSRF_ENABLED=False)
    # The collector set as the workers set it (wsgi.py): with Python's defaults, a full
    # collection of the app's objects lands in a request every few pages.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)
    from mtb.extensions import db

    clients = {}

    def client_of(login: str):
        """A test client signed in as ``login`` (the page's user, else the load clients')."""
        if login not in clients:
            clients[login] = app.test_client()
            clients[login].post("/login", data={"email": login, "password": BENCH_PASSWORD})
        return clients[login]

    with app.app_context():
        engine = db.engine
    wanted = {k for k in args.pages.split(",") if k}
    pages = [p for p in catalogue.pages_for(meta) if not wanted or p.key in wanted]

    timings: list[tuple[str, object, float]] = []
    started: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append(
            (statement, parameters, (time.perf_counter() - started.pop(id(cursor), time.perf_counter())) * 1000)
        )

    for page in pages:
        client = client_of(page.login or meta["login_email"])
        client.get(page.path)  # warm-up
        totals, sql_totals, runs = [], [], []
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        try:
            for _ in range(args.repeat):
                timings.clear()
                t0 = time.perf_counter()
                response = client.get(page.path)
                totals.append((time.perf_counter() - t0) * 1000)
                sql_totals.append(sum(t for _, _, t in timings))
                runs.append(list(timings))
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
        total, sql_ms = statistics.median(totals), statistics.median(sql_totals)
        print(f"\n### {page.label}  ({page.path})  HTTP {response.status_code}, {len(response.data) / 1024:.0f} KB")
        print(
            f"    median {total:.1f} ms, of which SQL {sql_ms:.1f} ms ({len(runs[-1])} statements), "
            f"Python/Jinja {total - sql_ms:.1f} ms"
        )
        for statement, parameters, ms in sorted(runs[-1], key=lambda x: -x[2])[: args.top]:
            text = " ".join(statement.split())
            print(f"    {ms:8.1f} ms  {text[:260]}{'...' if len(text) > 260 else ''}")
            if args.explain and ms >= 1.0 and text.upper().startswith("SELECT"):
                prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
                with engine.connect() as conn:
                    try:
                        plan = conn.exec_driver_sql(prefix + statement, parameters).all()
                    except Exception as error:  # a plan is best effort
                        plan = [(f"(no plan: {type(error).__name__}: {error})",)]
                for row in plan:
                    print("               | " + " ".join(str(c) for c in row[-1:]))
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(page.path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
            print("\n".join("    " + line for line in out.getvalue().splitlines()[4:24]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
