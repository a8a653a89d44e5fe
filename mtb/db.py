"""Declarative base, naming convention, SQLite pragmas and column helpers."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import Pool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def read_json(text: str | bytes):
    """The engine's JSON reader. Most JSON columns hold an empty list (a biomarker's lost MMR
    proteins and untested genes), read by the hundred on a page: those skip the parser."""
    if text == "[]" or text == b"[]":
        return []
    return json.loads(text)


def enum_column(enum_cls: type[enum.Enum], **kwargs):
    """A portable enum column: stored as its value in a VARCHAR on every database."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite: WAL lets readers work while one writer commits; the busy timeout
    # makes a second writer wait instead of failing; foreign keys are off by default.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A commit returns once its rows are on the disk (a power cut keeps it); only a page
    # view's own audit rows are let go sooner (``commit_reads_without_disk_wait``).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


_RELAXED = "mtb_commit_not_synced"


def commit_reads_without_disk_wait(session: Session) -> None:
    """Let the coming commit return before the disk has its rows, if the transaction has
    written nothing yet: a page that only read then commits only the audit rows of what it
    showed (written after this call), and need not wait ~5 ms for the disk's flush.

    What a power cut (not a crash of MTB) may then lose is the last of those read rows,
    never a change: the next commit that changes data is flushed to the disk with every row
    written before it (PostgreSQL's asynchronous commit, SQLite's WAL with
    synchronous=NORMAL, which keeps the file consistent). PostgreSQL's manual names this
    case, a log of user activity beside changes that must be durable. Judged by the
    database itself: SQLite opens no transaction before the first write, PostgreSQL
    assigns no transaction id before it."""
    session.flush()
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        if not raw.in_transaction:  # the level cannot change inside a transaction
            raw.execute("PRAGMA synchronous=NORMAL")
            connection.connection.info[_RELAXED] = True
    elif connection.dialect.name == "postgresql":
        # Local to the transaction: PostgreSQL resets it as the transaction ends.
        raw.execute("SELECT set_config('synchronous_commit', 'off', true) "
                    "WHERE pg_current_xact_id_if_assigned() IS NULL")


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """``session.begin_nested()`` that never commits by itself: what it keeps commits or rolls
    back with the session's transaction. SQLite's Python driver opens its transaction only
    before an INSERT, UPDATE or DELETE, not before a SAVEPOINT: a savepoint taken as a
    transaction's first write opens the transaction itself, and its RELEASE commits (a job's
    e-mails queued so stayed queued when the job then failed). Open the transaction first."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")
    with session.begin_nested():
        yield


@event.listens_for(Pool, "checkin")
def _sync_commits_again(dbapi_connection, connection_record):
    """A SQLite connection relaxed for one page view flushes its next commits again."""
    if connection_record.info.pop(_RELAXED, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def in_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: the case search index (an FTS5 table and its shadow
    tables on SQLite, pg_trgm indexes on PostgreSQL) is made by its migration, not a model."""
    table = getattr(obj, "table", None)
    names = (name or "", getattr(table, "name", "") or "")
    return not any(n.startswith("case_search") for n in names)


def escape_like(text: str) -> str:
    """Escape LIKE wildcards in user text (a backslash escapes; pass escape="\\\\" to like())."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def load_collection(objects, name: str, *options) -> None:
    """Load the one-to-many collection ``name`` (a relationship ordered by its
    ``order_by``) of each object that has not loaded it, in one statement: a page that
    needs it for some of its rows only (those not kept by ``mtb.fragments``) reads no
    more, and never one statement per row. ``options``: loader options of its rows."""
    objects = [obj for obj in objects if name in sa.inspect(obj).unloaded]
    if not objects:
        return
    mapper = sa.inspect(type(objects[0]))
    relationship = mapper.relationships[name]
    ((local, remote),) = relationship.local_remote_pairs
    local_key = mapper.get_property_by_column(local).key
    remote_key = relationship.mapper.get_property_by_column(remote).key
    found: dict = {getattr(obj, local_key): [] for obj in objects}
    query = (sa.select(relationship.mapper).where(remote.in_(list(found)))
             .order_by(remote, *(relationship.order_by or ())).options(*options))
    for row in object_session(objects[0]).scalars(query):
        found[getattr(row, remote_key)].append(row)
    for obj in objects:
        set_committed_value(obj, name, found[getattr(obj, local_key)])
