"""What a hospital's IT team asks before deploying, beside the pages' speed: how much disk
the data set takes, which tables hold it, and how long a backup of the live database takes
with the tool the README names (SQLite: ``flask backup``, the online backup API, checked by
``PRAGMA integrity_check``; PostgreSQL: ``pg_dump -Fc``)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

#: Tables listed by size in the results (the rest are small).
LARGEST = 6


def measure(url: str, log=print) -> dict:
    if url.startswith("sqlite"):
        return _sqlite(url, log)
    return _postgresql(url, log)


def _sqlite(url: str, log) -> dict:
    from mtb.backup import backup_sqlite, sqlite_path

    path = sqlite_path(url)
    on_disk = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    with tempfile.TemporaryDirectory(prefix="mtb-bench-backup-") as folder:
        target = Path(folder) / "backup.sqlite3"
        started = time.perf_counter()
        backup_sqlite(path, target)
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    log(f"  database {on_disk / 2**20:,.0f} MB; online backup with its integrity check {seconds:.1f} s, "
        f"{size / 2**20:,.0f} MB")
    return {"database_mb": on_disk / 2**20, "tables": _sqlite_tables(path), "backup_tool": "flask backup",
            "backup_seconds": seconds, "backup_mb": size / 2**20}


def _sqlite_tables(path: Path) -> list[dict]:
    """The largest tables with their indexes, when SQLite was built with the dbstat table."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute(
                "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC LIMIT ?", (LARGEST,)
            ).fetchall()
        except sqlite3.OperationalError:  # no dbstat in this build
            return []
    return [{"table": name, "mb": size / 2**20} for name, size in rows]


def _postgresql(url: str, log) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            on_disk = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
            tables = conn.execute(sa.text(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT :n"
            ), {"n": LARGEST}).all()
    finally:
        engine.dispose()
    result = {"database_mb": on_disk / 2**20, "tables": [{"table": t, "mb": s / 2**20} for t, s in tables],
              "backup_tool": "pg_dump -Fc", "backup_seconds": None, "backup_mb": None}
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        log("  pg_dump not found: backup not measured")
        return result
    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="mtb-bench-backup-") as folder:
        target = Path(folder) / "backup.dump"
        started = time.perf_counter()
        done = subprocess.run([pg_dump, "-Fc", "-f", str(target), dsn], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            log(f"  pg_dump failed: {done.stderr.strip()[:300]}")
            return result
        result.update(backup_seconds=seconds, backup_mb=target.stat().st_size / 2**20)
    log(f"  database {on_disk / 2**20:,.0f} MB; pg_dump -Fc {seconds:.1f} s, {result['backup_mb']:,.0f} MB")
    return result


def markdown(capacity: dict) -> list[str]:
    tables = ", ".join(f"{t['table']} {t['mb']:,.0f} MB" for t in capacity.get("tables", []))
    line = f"Disk: the database takes {capacity['database_mb']:,.0f} MB" + (
        f" (largest tables with their indexes: {tables})" if tables else "") + "."
    if capacity.get("backup_seconds") is not None:
        line += (f" A backup of the live database with `{capacity['backup_tool']}` took "
                 f"{capacity['backup_seconds']:.1f} s and wrote {capacity['backup_mb']:,.0f} MB.")
    return ["", line]
