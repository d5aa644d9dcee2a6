"""Question views counted in memory and written in batches: a GET never writes to the database.

Each process keeps its own counts; they are written by ``flush_views``: at the start of a forum
POST once a minute has passed since the last write (``flush_views_if_due``), and when a gunicorn
worker stops (gunicorn.conf.py). A crash loses at most the views since the last flush, which is
fine for a popularity hint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from flask import Flask
from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from hub.extensions import db
from hub.forum.models import Question

# Written at most this often by POSTs (seconds): each write is a transaction of its own, with its
# commit's wait for the disk. Every POST wrote them before: a helpful mark cost the database
# twice what the mark itself did (issue 17).
FLUSH_EVERY = 60.0
# ... unless this many questions are waiting: the counts stay small in memory.
FLUSH_AT = 1000

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_flushed_at = time.monotonic()


def count_view(question_id: int) -> None:
    with _lock:
        _pending[question_id] += 1


def pending_views() -> dict[int, int]:
    with _lock:
        return dict(_pending)


def flush_views_if_due() -> int:
    """``flush_views`` if a minute has passed since the last one (or many questions wait)."""
    with _lock:
        due = bool(_pending) and (
            time.monotonic() - _flushed_at >= FLUSH_EVERY or len(_pending) >= FLUSH_AT
        )
    return flush_views() if due else 0


def flush_views() -> int:
    """Add the buffered views to ``question.view_count`` in a short transaction of its own, the
    questions in id order. Inside a POST's transaction two workers deadlocked on PostgreSQL: each
    held the rows of its own flush and waited for the question the other had just written. On
    their own and in one order, two flushes only wait for each other."""
    global _flushed_at
    with _lock:
        batch = sorted(_pending.items())
        _pending.clear()
        _flushed_at = time.monotonic()
    if not batch:
        return 0
    table = Question.__table__
    session = db.session()
    # What the request read before (the signed-in member) stays loaded: expired by these
    # commits, it was read again by every POST that had views to write (issue 17).
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # ends the read transaction (on SQLite the write then waits for its lock)
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("question_id"))
            .values(view_count=table.c.view_count + bindparam("views")),
            [{"question_id": question_id, "views": views} for question_id, views in batch],
        )
        session.commit()
    finally:
        session.expire_on_commit = expiring
    return sum(views for _question_id, views in batch)


def flush_before_exit(app: Flask) -> None:
    """A stopping worker writes the views it counted (gunicorn's ``worker_exit``). A database
    that cannot be reached then loses them, and the worker still stops."""
    with app.app_context():
        try:
            flush_views()
        except SQLAlchemyError as error:
            log.warning("Visningarna kunde inte sparas: %s", error.__class__.__name__)
        finally:
            db.session.remove()


def restore_views(before: dict[int, int]) -> None:
    """Put the counts back as they were: the pages rendered at start-up are nobody's views."""
    with _lock:
        _pending.clear()
        _pending.update(before)
