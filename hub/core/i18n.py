"""Locale and time zone choice, and Stockholm-time helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, request, session
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def N_(text: str) -> str:
    """Marks reference data (roles, care areas, regions, categories) for the catalogue: stored
    in Swedish, shown through the ``translated`` filter in the reader's language."""
    return text


def translated(text: str) -> str:
    """Reference data stored in Swedish in the reader's language (the name itself when the
    catalogue does not know it, e.g. a category an admin added)."""
    return gettext(text) if text else ""


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale") if request else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def to_stockholm(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def from_stockholm(local: datetime) -> datetime:
    """A naive wall-clock time in Stockholm as an aware UTC datetime."""
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC)


def install_template_gettext(app: Flask) -> None:
    """``_()`` in templates, with the catalogue found once per language.

    Flask-Babel's own callables look up the request context, the domain, the locale and the
    catalogue on every call, and a long page makes a few hundred calls; these look up only the
    locale (which ``force_locale`` may change within a request) and keep its catalogue.
    """
    catalogues: dict[Locale, NullTranslations] = {}

    def translations() -> NullTranslations:
        locale = get_locale()
        if locale not in catalogues:
            catalogues[locale] = get_translations()
        return catalogues[locale]

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
