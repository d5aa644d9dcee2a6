"""Question views counted in memory and written in batches: a GET never writes to the database.

Each process keeps its own counts; they are written by ``flush_views``, which the forum calls at
the start of its POST requests (a member who writes has usually read first) and the worker calls
on schedule.
A crash loses at most the views since the last flush, which is fine for a popularity hint.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import bindparam, update

from hub.extensions import db
from hub.forum.models import Question

_lock = threading.Lock()
_pending: Counter[int] = Counter()


def count_view(question_id: int) -> None:
    with _lock:
        _pending[question_id] += 1


def pending_views() -> dict[int, int]:
    with _lock:
        return dict(_pending)


def flush_views() -> int:
    """Add the buffered views to ``question.view_count`` in a short transaction of its own, the
    questions in id order. Inside a POST's transaction two workers deadlocked on PostgreSQL: each
    held the rows of its own flush and waited for the question the other had just written. On
    their own and in one order, two flushes only wait for each other."""
    with _lock:
        batch = sorted(_pending.items())
        _pending.clear()
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


def restore_views(before: dict[int, int]) -> None:
    """Put the counts back as they were: the pages rendered at start-up are nobody's views."""
    with _lock:
        _pending.clear()
        _pending.update(before)
