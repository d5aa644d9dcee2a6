"""Page numbers from the query string, kept within range."""

from __future__ import annotations

from flask import request


def page_number(max_page: int = 10_000) -> int:
    """The ``page`` argument as a positive int; nonsense gives page 1 rather than an error."""
    raw = request.args.get("page", "1")
    return min(int(raw), max_page) if raw.isdigit() and int(raw) > 0 else 1
