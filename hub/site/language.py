"""The language switch in the footer: POST ``/sprak`` remembers the choice and goes back."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, session
from flask_login import current_user

from hub.auth.views import safe_next
from hub.extensions import db

bp = Blueprint("language", __name__)

# Each language is named in itself, so that someone who cannot read the current one finds theirs.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}


def set_locale(user, locale: str) -> None:
    """The session keeps the choice for visitors; an account keeps it across devices."""
    session["locale"] = locale
    if getattr(user, "is_authenticated", False):
        user.locale = locale
        db.session.flush()


@bp.post("/sprak")
def switch():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    set_locale(current_user, locale)
    return redirect(safe_next(request.form.get("next")))


def return_path() -> str:
    """Where the switch leads back to: this page, or for a page answering a POST (a form shown
    again with its errors), the page the form was on, since the POST address cannot be opened."""
    current = request._get_current_object()  # one look-up through the proxy, not three
    if current.method == "GET":
        return current.full_path if current.query_string else current.path
    parts = urlsplit(current.referrer or "")
    if not parts.path or (parts.netloc and parts.netloc != current.host):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
