"""`flask --app mtb backup PATH`: a consistent copy of a live SQLite database.

SQLite's online backup copies the database page by page under its own locks, so the
copy is consistent even while MTB serves requests and the scheduler writes. A
PostgreSQL database is backed up with its own tools (pg_dump; see the README).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import current_app


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url[len("sqlite:///"):].split("?", 1)[0])


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (created private, 0600) while it may be in use."""
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    with sqlite3.connect(target) as copy:
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"the copy {target} failed SQLite's integrity check")


def register(app) -> None:
    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(target: Path) -> None:
        """Write a consistent copy of the live SQLite database to TARGET."""
        source = sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        if source is None:
            raise click.ClickException(
                "MTB runs on PostgreSQL: back it up with pg_dump (see the README's Backup section).")
        backup_sqlite(source, target)
        click.echo(f"Backed up {source} to {target}.")
