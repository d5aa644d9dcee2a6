"""The header and the footer of every page (base.html), as shared parts (``hub.core.layout``):
rendered once per language, page and role, with the reader's own values filled in per request."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from markupsafe import Markup

from hub.auth.permissions import Permission, can
from hub.core.layout import shared_part
from hub.core.templating import csrf_token
from hub.notifications.unread import unread_notification_count
from hub.site.language import LANGUAGE_NAMES, return_path

UNREAD_SHOWN = 100  # from here on the badge says "99+"


def site_header() -> Markup:
    """The site's name, search, notifications, account links and main menu."""
    user = current_user._get_current_object()  # one look-up through the proxy, not three
    signed_in = bool(user.is_authenticated)
    facts = {
        "signed_in": signed_in,
        "current_endpoint": request.endpoint,  # aria-current on its menu item
        "current_blueprint": request.blueprint,
        "moderates": can(user, Permission.MODERATE),
        "administers": can(user, Permission.ADMIN),
    }
    holes = {}
    if signed_in:
        unread = unread_notification_count()
        facts["unread"] = unread > 0
        holes["unread_count"] = "99+" if unread >= UNREAD_SHOWN else str(unread)
        holes["csrf"] = csrf_token()
    return shared_part("layout/header.html", facts, holes)


def site_footer() -> Markup:
    """The language switch and the links to the accessibility and privacy pages."""
    facts = {"languages": tuple(LANGUAGE_NAMES.items())}
    return shared_part(
        "layout/footer.html", facts, {"csrf": csrf_token(), "return_path": return_path()}
    )
