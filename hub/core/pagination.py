"""Page numbers from the query string, kept within range."""

from __future__ import annotations

from flask import request

from hub.core.guards import ascii_int


def page_number(max_page: int = 10_000) -> int:
    """The ``page`` argument as a positive int; nonsense gives page 1 rather than an error."""
    wanted = ascii_int(request.args.get("page", "1"), low=1, high=10**18)
    return min(wanted, max_page) if wanted else 1
