"""Jinja filters and globals shared by every template.

A long page calls these a few hundred times (the question page: ~180 translations, ~120 URLs,
~70 CSRF fields, ~120 dates), so each is a short path: Flask-Babel's and Flask's own look up the
request, the locale, the time zone and the URL map on every call, which cost more than the rest
of the page (issue 17).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import TIMEDELTA_UNITS, DateTimePattern, format_timedelta, parse_pattern
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from hub.core.db import utcnow
from hub.core.i18n import (
    N_,
    current_locale,
    fast_gettext,
    locale_object,
    to_stockholm,
    translated,
)

# A number no route or query will hold, standing in for an int argument in a URL's pattern.
SENTINEL = 1_999_999_937
URL_CACHE_SIZE = 4096
INT = object()  # in a URL's shape: an int argument goes here
AGO_THRESHOLD = 0.85  # Babel's default: 0.85 of a unit counts as one


def register(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["main_menu"] = main_menu
    app.jinja_env.globals["get_locale"] = current_locale  # the same answer, fewer look-ups
    app.jinja_env.globals["url_for"] = cached_url_for
    app.jinja_env.globals["csrf_token"] = csrf_token  # Flask-WTF's processor is gone (security)
    processors = app.template_context_processors[None]
    # Each blueprint brings Flask's default processor (g, request, session) along, so a
    # blueprint's page ran it twice for the same three values: the app's own run suffices.
    for name, blueprint_processors in app.template_context_processors.items():
        if name is not None:
            blueprint_processors[:] = [p for p in blueprint_processors if p not in processors]
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.filters["iso"] = iso_filter
    app.jinja_env.filters["ago"] = ago_filter
    app.jinja_env.filters["date"] = date_filter


def preload_templates(app: Flask) -> None:
    """Every template compiled when the worker starts (before the fork with ``gunicorn
    --preload``), so that no member's request waits for it: once per language, as each is
    compiled with its texts translated (``hub.core.translated_templates``)."""
    if not app.config["PRELOAD_TEMPLATES"]:
        return
    with app.app_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(locale_object(language)):
                for name in app.jinja_env.list_templates():
                    app.jinja_env.get_template(name)


def datetime_filter(value: datetime | None, format: str = "d MMMM yyyy 'kl.' HH:mm") -> str:
    """Stockholm time (the hub's only time zone), in the page's language. The pattern is
    Swedish; the catalogue holds each language's own ("kl." is Swedish)."""
    if not value:
        return ""
    return _written(value, format, current_locale())


@lru_cache(maxsize=8192)
def _written(value: datetime, format: str, locale: Locale | None) -> str:
    """Kept per moment, pattern and language (the request's: the catalogue gives its pattern):
    a question page writes the same posts' times on every view, ~30 of them (issue 17)."""
    return format_moment(fast_gettext(format), to_stockholm(_aware(value)), locale)


def date_filter(value: date | None, format: str = "d MMMM yyyy") -> str:
    """A date as it is written; a datetime gives its day in Stockholm."""
    if not value:
        return ""
    return _date_written(value, format, current_locale())


@lru_cache(maxsize=8192)
def _date_written(value: date, format: str, locale: Locale | None) -> str:
    """Kept per day (or moment), pattern and language, as ``_written``: lists show a date a row."""
    if isinstance(value, datetime):
        value = to_stockholm(_aware(value)).date()
    return format_moment(format, value, locale)


def _aware(value: datetime) -> datetime:
    """A naive datetime is UTC, as Babel takes it."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The fields our patterns use, written here as Babel writes them (a list shows twenty dates,
# and Babel's general formatter costs more than the rest of a row).
_FIELDS: dict[str, Callable[[Any, Locale], str]] = {
    "d": lambda v, _locale: str(v.day),
    "MMMM": lambda v, locale: locale.months["format"]["wide"][v.month],
    "EEEE": lambda v, locale: locale.days["format"]["wide"][v.weekday()],
    "yyyy": lambda v, _locale: f"{v.year:04d}",
    "HH": lambda v, _locale: f"{v.hour:02d}",
    "mm": lambda v, _locale: f"{v.minute:02d}",
}
_FIELD = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=64)
def _pattern(format: str) -> tuple[DateTimePattern, tuple[str, ...] | None]:
    """Babel's pattern, and its fields when ``_FIELDS`` knows them all (else None: Babel
    formats it)."""
    pattern = parse_pattern(format)
    fields = tuple(_FIELD.findall(pattern.format))
    return pattern, fields if set(fields) <= _FIELDS.keys() else None


def format_moment(format: str, value: date, locale: Locale | None) -> str:
    """What ``parse_pattern(format).apply(value, locale)`` gives, quicker for our patterns."""
    pattern, fields = _pattern(format)
    if fields is None or locale is None:
        return pattern.apply(value, locale)
    return pattern.format % {field: _FIELDS[field](value, locale) for field in fields}


def iso_filter(value: datetime | None) -> str:
    """For <time datetime>: HTML allows at most three digits of a second's fraction."""
    return value.isoformat(timespec="seconds") if value else ""


def ago_filter(value: datetime | None) -> str:
    """How long since, "för 3 timmar sedan" / "3 hours ago", in the page's language. For many
    dates of one page, ``ago_writer()`` once and its answer for each."""
    return ago_writer()(value)


def ago_writer() -> Callable[[datetime | None], str]:
    """``ago_filter`` for the dates of one page: the moment and the language found once (the
    language alone cost more than the rest, ~30 times on a question page with 20 answers).

    Babel's wording depends only on the unit, the rounded number and the direction, which are
    found here the way Babel finds them; each wording is made once per language."""
    now, locale = utcnow(), current_locale()
    wordings = _AGO.get(locale)
    if wordings is None:
        wordings = _AGO[locale] = {}

    def ago(value: datetime | None) -> str:
        if value is None:
            return ""
        delta = value - now
        if abs(delta.total_seconds()) < 60:
            return fast_gettext("nyss")
        seconds = delta.days * 86400 + delta.seconds
        key = (*_unit_and_number(seconds), seconds >= 0)
        wording = wordings.get(key)
        if wording is None:
            wording = wordings[key] = format_timedelta(delta, add_direction=True, locale=locale)
        return wording

    return ago


_AGO: dict[Locale | None, dict[tuple, str]] = {}  # per language: (unit, number, ahead) -> words


def _unit_and_number(seconds: int) -> tuple[str, int]:
    """Babel's choice for a minute or more: the largest unit of which it is 0.85 or more."""
    seconds = abs(seconds)
    for unit, per_unit in TIMEDELTA_UNITS:
        if seconds / per_unit >= AGO_THRESHOLD:
            return unit, round(seconds / per_unit)
    raise ValueError(seconds)  # a second is a unit: never for a minute or more


# Signing the session's CSRF secret (itsdangerous: a key derivation, JSON, an HMAC) cost ~5 % of
# a short page, on every page: a token signed this recently is given again. It carries its
# signing time, so it expires this much sooner than Flask-WTF's hour (WTF_CSRF_TIME_LIMIT).
SIGNED_KEPT = 60.0  # seconds
MAX_SIGNED = 10_000
_signed: dict[tuple[str, str], tuple[str, float]] = {}


def csrf_token() -> str:
    """The request's CSRF token: made once (by Flask-WTF), then read from ``g``."""
    token = g.get("csrf_token")
    if token:
        return token
    request_g = g._get_current_object()  # each look-up through a proxy costs, once each
    app = current_app._get_current_object()
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    now = time.monotonic()
    kept = _signed.get((secret, session.get("csrf_token")))
    if kept is not None and kept[1] > now:
        request_g.csrf_token = kept[0]
        return kept[0]
    token = generate_csrf()
    if len(_signed) >= MAX_SIGNED:
        _signed.clear()
    _signed[(secret, session["csrf_token"])] = (token, now + SIGNED_KEPT)
    return token


_urls: dict[tuple, str] = {}


def cached_url_for(endpoint: str, **values) -> str:
    """``url_for`` for templates, kept per pattern: int arguments (ids, page numbers) stand in
    as a sentinel, so one URL map lookup serves every answer on a page. External URLs, a
    blueprint-relative endpoint and unhashable arguments go to ``url_for`` itself."""
    if endpoint.startswith(".") or values.get("_external") or not has_request_context():
        return url_for(endpoint, **values)
    # Keyword arguments come in the order of the call in the template: no sorting needed.
    shape = tuple((k, INT if type(v) is int else v) for k, v in values.items())
    try:
        pattern = _urls.get(key := (request.script_root, endpoint, shape))
    except TypeError:  # a list of values for one argument
        return url_for(endpoint, **values)
    if pattern is None:
        if len(_urls) >= URL_CACHE_SIZE:
            _urls.clear()
        sentinels = {k: SENTINEL + i for i, (k, v) in enumerate(shape) if v is INT}
        pattern = _urls[key] = url_for(endpoint, **{**values, **sentinels})
    for i, (k, v) in enumerate(shape):
        if v is INT:
            pattern = pattern.replace(str(SENTINEL + i), str(values[k]))
    return pattern


def html_id_url(endpoint: str, name: str) -> Callable[[int], str]:
    """``cached_url_for`` with one int argument ``name``, escaped for HTML, as a function of
    that int: the pattern worked out once, for HTML written in Python that fills it many times
    (an address in each of a page's answers)."""
    marker = str(SENTINEL)
    written = str(escape(cached_url_for(endpoint, **{name: SENTINEL})))
    before, _, after = written.partition(marker)
    return lambda value: f"{before}{value}{after}"


# The date and time patterns the templates use, for the catalogue: English says "at", not "kl.".
DATETIME_PATTERNS = (
    N_("d MMMM yyyy 'kl.' HH:mm"),
    N_("EEEE d MMMM yyyy 'kl.' HH:mm"),
    N_("EEEE d MMMM 'kl.' HH:mm"),
)


_menus: dict[Locale | None, list[tuple[str, str]]] = {}


def main_menu() -> list[tuple[str, str]]:
    """The top navigation: endpoint and label, made once per language (every page shows it)."""
    locale = current_locale()
    menu = _menus.get(locale)
    if menu is None:
        menu = _menus[locale] = _main_menu()
    return menu


def _main_menu() -> list[tuple[str, str]]:
    return [
        ("site.start", _("Start")),
        ("forum.questions", _("Frågor")),
        ("directory.index", _("Katalog")),
        ("meetings.index", _("Träffar")),
        ("meetings.networks", _("Nätverk")),
        ("material.index", _("Material")),
    ]
