"""Reference data kept per worker: the forum's categories and tags, the directory's
municipalities, regions, role types and care areas.

Every question list, search and directory page showed them in its filters, one statement each
(a round trip: on PostgreSQL ~70 µs of the machine's CPU before any work, issue 17), for rows
that change a few times a year. A worker reads them once and keeps the rows for
``REFERENCE_KEPT_SECONDS``. The rule that changes such a table (``hub.forum.categories``,
``hub.core.tags``, ``hub.directory.municipalities``, ``hub.directory.reference``) calls
``drop_kept``: that worker reads them afresh at once, and again after its transaction ends (so
that rows read between the change and a rollback are not kept). Another worker shows the old
rows until its time is out: a new category, tag or municipality is missing from its filters
(and a search filtered by a new tag is told to choose one in the list) for at most that long,
and nothing is written with them: forms that save a category read the categories afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from hub.extensions import db

KEPT = "hub_reference_kept"
T = TypeVar("T")


class KeptRows:
    """The rows ``read`` returns, kept per worker (``current_app.extensions``) under ``name``."""

    def __init__(self, name: str, read: Callable[[], Any]) -> None:
        self.name = name
        self.read = read

    def rows(self) -> Any:
        return self._rows(current_app._get_current_object())

    def _rows(self, app: Flask) -> Any:
        # The app looked up once through its proxy, and the kept rows by one look-up (``get``
        # asks the cache twice, each time with its timer): every question page asks three
        # kinds of reference rows, a list or a search page one or two.
        seconds = app.config["REFERENCE_KEPT_SECONDS"]
        if seconds <= 0:
            return self.read()
        kept = app.extensions.get(KEPT)
        if kept is None:
            # cachetools' timer, as search's kept experts; looked up per call so that a test
            # can move ``monotonic`` on.
            kept = app.extensions[KEPT] = TTLCache(MAX_KEPT, seconds, lambda: monotonic())
        try:
            return kept[self.name]
        except KeyError:  # not read yet, or its time is out
            found = kept[self.name] = self.read()
            return found

    def made(self, make: Callable[[Any], T]) -> T:
        """``make(rows)`` for the rows kept now, made once per rows read: found again by the
        rows' identity. An ``lru_cache`` on the rows hashed every row on every call, as dear
        as the look-up it saved: ~10 µs a question page for 60 tags, ~100 µs for the 290
        municipalities (issue 17)."""
        app = current_app._get_current_object()
        rows = self._rows(app)
        made = app.extensions.setdefault(MADE, {})
        found = made.get((self.name, make))
        if found is None or found[0] is not rows:
            found = made[self.name, make] = (rows, make(rows))
        return found[1]


MAX_KEPT = 64  # one entry per kind of reference rows: a handful
MADE = "hub_reference_made"  # (name, make) -> (the rows, what ``make`` made of them)


def drop_kept() -> None:
    """Every kept reference row of this worker gone, now and when the session's transaction
    ends (its commit, or its rollback: rows read after the change were never true)."""
    _drop()
    db.session.info[DROP_AT_END] = True


def _drop() -> None:
    current_app.extensions.pop(KEPT, None)


DROP_AT_END = "hub_drop_kept_at_end"


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    """The session's own transaction, committed or rolled back; not a savepoint's."""
    if transaction.parent is None and session.info.pop(DROP_AT_END, False):
        _drop()
