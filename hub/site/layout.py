"""Every page's frame (base.html: the head, the header, the footer) as one shared part
(``hub.core.layout``): rendered once per language, page and role, with the page's own blocks
and the reader's own values filled in per request."""

from __future__ import annotations

from flask import get_flashed_messages, request, session
from flask.sessions import SessionMixin
from flask_login import current_user
from markupsafe import Markup, escape

from hub.auth.permissions import Permission, can
from hub.core.layout import shared_part
from hub.core.security import csp_nonce
from hub.core.templating import csrf_token
from hub.notifications.unread import unread_notification_count
from hub.site.language import LANGUAGE_NAMES, return_path

FLASHES = "_flashes"  # where ``flask.flash`` keeps the messages in the session
UNREAD_SHOWN = 100  # from here on the badge says "99+"
LANGUAGES = tuple(LANGUAGE_NAMES.items())


def site_page(title: Markup, head: Markup, content: Markup, scripts: Markup) -> Markup:
    """The page with the site's name, search, notifications, account links and main menu, the
    language switch and the links to the accessibility and privacy pages around ``content``.
    One part for the whole frame: base.html's own template work, and a second part's key and
    holes, cost a short page more than its content."""
    user = current_user._get_current_object()  # one look-up through the proxy, not three
    current = request._get_current_object()  # and one for the request, not two
    signed_in = bool(user.is_authenticated)
    facts = {
        "signed_in": signed_in,
        "current_endpoint": current.endpoint,  # aria-current on its menu item
        "current_blueprint": current.blueprint,
        "moderates": can(user, Permission.MODERATE),
        "administers": can(user, Permission.ADMIN),
        "languages": LANGUAGES,
        "titled": bool(title),  # "Title – Stafetten", or "Stafetten" alone
    }
    holes = {"title": title, "head": head, "flashes": flashes(session), "content": content}
    if signed_in:
        unread = unread_notification_count()
        facts["unread"] = unread > 0
        holes["unread_count"] = "99+" if unread >= UNREAD_SHOWN else str(unread)
    holes |= {"csrf": csrf_token(), "return_path": return_path()}
    holes |= {"nonce": csp_nonce(), "scripts": scripts}
    return shared_part("layout/page.html", facts, holes)


def flashes(in_session: SessionMixin) -> Markup:
    """The messages flashed for this page (most pages have none: then Flask's own look-up,
    three through proxies, is not asked; it would find none in the session either)."""
    if FLASHES not in in_session:
        return Markup()
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return Markup()
    shown = "".join(
        f'<p class="flash flash-{escape(category)}">{escape(message)}</p>'
        for category, message in messages
    )
    return Markup(f'    <div class="flashes" role="status">\n{shown}    </div>\n')  # noqa: S704
