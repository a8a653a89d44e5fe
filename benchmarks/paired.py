"""Two versions of MTB compared page by page, in-process, their requests alternated.

    python -m benchmarks.paired --base /path/to/other/checkout [--pages home,agenda] [--requests 30]

On a shared machine the speed of the same code drifts by 20-50 % within minutes, so two
runs made one after the other compare the hour as much as the code. Here one worker
process serves each version (this checkout and ``--base``, e.g. a ``git worktree`` of the
commit before a change), on its own copy of the cached SQLite data set, logged in as the
load clients are; the driver asks them for the same page in turn (which one goes first
alternating), so drift reaches both alike. For each page: the median CPU time of a request
on each side and the median of the pairwise ratios (below 1: this checkout is cheaper).
Read-only apart from the audit rows the pages write into the copies.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    # Run as a script (a worker): its own folder must not shadow the standard library (profile.py).
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from benchmarks.common import DATA_DIR, ROOT, dataset_key


def _worker(database: str) -> None:
    """Serve requests read from stdin (one page path a line), answering each one's CPU ms."""
    from benchmarks.common import BENCH_PASSWORD, make_app

    app = make_app(f"sqlite:///{database}", WTF_CSRF_ENABLED=False)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)  # as wsgi.py sets it for the workers
    client = app.test_client()
    client.post("/login", data={"email": os.environ["MTB_PAIRED_LOGIN"], "password": BENCH_PASSWORD})
    print("ready", flush=True)
    for line in sys.stdin:
        started = time.process_time()
        response = client.get(line.strip())
        print(f"{(time.process_time() - started) * 1000:.3f} {response.status_code}", flush=True)


class _Side:
    def __init__(self, checkout: Path, database: Path, login: str):
        # This file run as a script, with the checkout's code on the path: the other checkout
        # needs no copy of this tool.
        env = dict(os.environ, PYTHONPATH=str(checkout), MTB_PAIRED_LOGIN=login)
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(database)], cwd=checkout, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the worker of {checkout} did not start (run it alone to see why)")

    def ask(self, path: str) -> tuple[float, int]:
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        ms, status = self.process.stdout.readline().split()
        return float(ms), int(status)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="the other checkout (a git worktree of another commit)")
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all)")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page and side")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _worker(args.serve)
        return 0
    if args.base is None:
        parser.error("--base is required")

    from benchmarks import pages as catalogue

    key = dataset_key(args.cases, args.seed)
    source, meta_path = DATA_DIR / f"sqlite-{key}.sqlite3", DATA_DIR / f"sqlite-{key}.json"
    if not source.exists():
        raise SystemExit(f"no cached data set {source.name}: run `make bench` first")
    meta = json.loads(meta_path.read_text())
    copies = [DATA_DIR / "paired-this.sqlite3", DATA_DIR / "paired-base.sqlite3"]
    for copy in copies:
        shutil.copyfile(source, copy)
    this, base = (_Side(checkout, copy, meta["login_email"]) for checkout, copy in zip((ROOT, args.base.resolve()), copies))
    wanted = {k for k in args.pages.split(",") if k}
    # Each side signs in once, as the load clients do: a page fetched as another user is left out.
    pages = [p for p in catalogue.pages_for(meta)
             if (not wanted or p.key in wanted) and not p.baseline and p.login is None]
    print(f"{'page':44s} {'base ms':>8s} {'this ms':>8s} {'this/base':>9s}")
    try:
        for page in pages:
            for _ in range(3):  # warm-up
                base.ask(page.path), this.ask(page.path)
            base_ms, this_ms, ratios = [], [], []
            for n in range(args.requests):
                if n % 2:
                    (b, b_status), (t, t_status) = base.ask(page.path), this.ask(page.path)
                else:
                    (t, t_status), (b, b_status) = this.ask(page.path), base.ask(page.path)
                if b_status != t_status:
                    print(f"  {page.key}: HTTP {b_status} (base) against {t_status} (this checkout)")
                base_ms.append(b), this_ms.append(t), ratios.append(t / b)
            print(f"{page.label[:44]:44s} {statistics.median(base_ms):8.2f} {statistics.median(this_ms):8.2f} "
                  f"{statistics.median(ratios):9.3f}", flush=True)
    finally:
        this.close(), base.close()
        for copy in copies:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
