"""Addresses of forum pages that need no request (notifications are made by the CLI too)."""

from __future__ import annotations

import re

from hub.forum.models import Question


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = text.lower().translate(str.maketrans("åäöéüø", "aaoeuo"))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "fraga"


def question_path(question: Question | int, slug: str | None = None) -> str:
    """A path without a request (notifications are made by the CLI too)."""
    if isinstance(question, Question):
        return f"/fragor/{question.id}/{slugify(question.title)}"
    return f"/fragor/{question}" + (f"/{slug}" if slug else "")
