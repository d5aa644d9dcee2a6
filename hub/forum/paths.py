"""Addresses of forum pages that need no request (notifications are made by the CLI too)."""

from __future__ import annotations

import re
from functools import lru_cache

from hub.forum.models import Question

_ASCII = str.maketrans("åäöéüø", "aaoeuo")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


# Every list links each question by its slug: the same popular titles on page after page.
@lru_cache(maxsize=4096)
def slugify(text: str, max_length: int = 60) -> str:
    slug = _NOT_SLUG.sub("-", text.lower().translate(_ASCII)).strip("-")
    return slug[:max_length].rstrip("-") or "fraga"


def question_path(question: Question | int, slug: str | None = None) -> str:
    """A path without a request (notifications are made by the CLI too)."""
    if isinstance(question, Question):
        return f"/fragor/{question.id}/{slugify(question.title)}"
    return f"/fragor/{question}" + (f"/{slug}" if slug else "")
