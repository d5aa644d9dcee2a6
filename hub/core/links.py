"""Links that leave the request: in mail, calendar files and feeds."""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """A link for a mail: the configured base URL, not the host of the current request."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)
