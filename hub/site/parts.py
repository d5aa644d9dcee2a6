"""The start page's questions, each kept as a shared part (``hub.core.layout``): every member
sees the same newest questions, so an item is written once per language and shown again.

An item's facts are what it shows: the question's id, title, author's name, time, answer count,
and how long ago that was in words (worked out per request, so the wording stays current).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from hub.core.layout import shared_parts
from hub.core.templating import ago_writer

QUESTIONS = "site/_question_parts.html"
START_PARTS = "hub_start_parts"
MAX_START_PARTS = 2048  # the newest questions and "waiting for you", two languages, many wordings


def question_items(rows: Iterable) -> list[Markup]:
    """Each question's ``<li>`` as the start page's list writes it."""
    ago = ago_writer()
    many = [
        {
            "id": row.id,
            "title": row.title,
            "author_name": row.author_name,
            "created_at": row.created_at,
            "ago": ago(row.created_at),
            "answer_count": row.answer_count,
        }
        for row in rows
    ]
    return shared_parts(QUESTIONS, many, {}, store=START_PARTS, limit=MAX_START_PARTS)
