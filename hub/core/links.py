"""Links: the address names in the hub's own URLs, and links that leave the request (in mail,
calendar files and feeds)."""

from __future__ import annotations

import re

from flask import current_app, url_for
from flask_babel import gettext as _

from hub.core.rules import RuleError

# The address name of a network or a forum category (``/natverk/halland``): part of its URL.
ADDRESS_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_address_name(slug: str) -> None:
    if not ADDRESS_NAME_RE.match(slug):
        raise RuleError(
            _("Använd bara små bokstäver a–z, siffror och bindestreck, t.ex. halland."),
            field="slug",
        )


def absolute_url(endpoint: str, **values) -> str:
    """A link for a mail: the configured base URL, not the host of the current request."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)
