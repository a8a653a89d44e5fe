"""The instance folder and database are private; a live SQLite database is backed up
consistently and restores."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from mtb import create_app
from mtb.backup import backup_sqlite
from tests.fixtures.app import ON_POSTGRES


def test_a_new_instance_folder_and_database_are_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("MTB_INSTANCE_PATH", str(instance))
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": ""})
    database = instance / "mtb.sqlite3"
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    with app.app_context():
        from mtb.extensions import db

        with db.engine.begin() as conn:  # WAL files appear with the first write
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        for suffix in ("-wal", "-shm"):
            path = instance / f"mtb.sqlite3{suffix}"
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
        db.engine.dispose()


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL is backed up with pg_dump (README); this is SQLite's online backup")
def test_a_live_database_backs_up_consistently_and_restores(app, tmp_path, create_case):
    from mtb.cases.models import Case
    from mtb.extensions import db

    expected = [create_case().reference for _ in range(3)]
    source = db.engine.url.database
    stop = threading.Event()

    def keep_writing():  # the scheduler and the web keep writing during the backup
        engine = sa.create_engine(f"sqlite:///{source}", connect_args={"timeout": 10})
        with engine.connect() as conn:
            while not stop.is_set():
                conn.execute(sa.text("UPDATE cases SET stage = stage"))
                conn.commit()
        engine.dispose()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backup_sqlite(Path(source), tmp_path / "copy.sqlite3")
    finally:
        stop.set()
        writer.join()
    assert stat.S_IMODE((tmp_path / "copy.sqlite3").stat().st_mode) == 0o600

    restored = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'copy.sqlite3'}"})
    with restored.app_context():
        assert db.session.scalars(sa.select(Case.reference).order_by(Case.id)).all() == expected
        db.engine.dispose()


def test_the_backup_command_refuses_to_overwrite(app, tmp_path):
    target = tmp_path / "existing.sqlite3"
    target.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert target.read_text() == "keep me"
