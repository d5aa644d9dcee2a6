"""Question views counted in memory and written in batches: a GET never writes to the database.

Each process keeps its own counts; they are written by ``flush_views`` which the forum calls at
the start of its POST requests (already a write transaction) and the worker calls on schedule.
A crash loses at most the views since the last flush, which is fine for a popularity hint.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import update

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
    """Add the buffered views to ``question.view_count`` in the caller's transaction."""
    with _lock:
        batch = dict(_pending)
        _pending.clear()
    for question_id, views in batch.items():
        db.session.execute(
            update(Question)
            .where(Question.id == question_id)
            .values(view_count=Question.view_count + views)
            .execution_options(synchronize_session=False)
        )
    return sum(batch.values())


def restore_views(before: dict[int, int]) -> None:
    """Put the counts back as they were: the pages rendered at start-up are nobody's views."""
    with _lock:
        _pending.clear()
        _pending.update(before)
