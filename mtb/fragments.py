"""What a page prints of one record, kept by each worker between requests.

A list page prints many records whose text changes far less often than it is read: the
trial registry's 120 rows, the findings line of each of an agenda's forty cases. Their text
is computed once per worker and kept under a key that names everything it depends on —
the record's id and version (the optimistic lock's column, which moves with every saved
change of the row), the reader's language and rights. An entry is never stale: a change
gives a new key, and the old entry is simply not asked for again, until the least
recently used entries make room (a bounded number per worker, so memory stays flat).

Only what was read from committed rows is kept: a request that has written in its
transaction (flushed rows another request cannot see, which a rollback may undo) neither
keeps nor reads. Kept per app (``app.extensions``): another app in the same process (the
tests') has other rows under the same ids. Off while templates reload (development),
where the HTML of a key changes with the template being edited. A worker restarted after
a database is restored from a backup starts empty (restart them, as after any restore).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from mtb.extensions import db

#: Entries a worker keeps of each kind: far more than a page shows, few enough that a
#: worker's memory does not grow with the hospital's history (a few KB an entry at most).
DEFAULT_CAPACITY = 4_000


_MISSING = object()


class Kept:
    """A bounded least-recently-used map of computed values."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()  # a threaded server (the development one) shares it
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The kept value, else ``compute()``, kept."""
        value = self.peek(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.put(key, value)
        return value

    def peek(self, key: Hashable, default=None):
        """The kept value (now the most recently used), or ``default``."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
            return default

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def kept(kind: str, capacity: int | None = None) -> Kept | None:
    """This app's store of ``kind``, or None where nothing may be kept or read (the
    transaction has written, or templates reload). ``capacity``: fewer entries than the
    default, for a kind whose entries are large (a board's whole list of people)."""
    app = current_app._get_current_object()
    if db.session().info.get(_WROTE) or app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"):
        return None
    stores = app.extensions.setdefault("mtb.fragments", {})
    store = stores.get(kind)
    if store is None:
        default = int(app.config.get("FRAGMENT_CAPACITY", DEFAULT_CAPACITY))
        store = stores.setdefault(kind, Kept(min(default, capacity or default)))
    return store


def keep(store: Kept | None, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``store``'s value for ``key``, else ``compute()``, kept; where nothing may be kept
    (``kept`` answered None), just ``compute()``."""
    return compute() if store is None else store.get(key, compute)


def clear() -> None:
    """Forget everything this app keeps (a test's database emptied under the same ids)."""
    current_app.extensions.pop("mtb.fragments", None)


_WROTE = "mtb.fragments.wrote"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction) -> None:
    # The database's transaction only: a savepoint ending (``mtb.db.savepoint``) leaves
    # what was flushed before it uncommitted.
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
