"""Locale and time zone choice, and Stockholm-time helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_timedelta
from babel.support import NullTranslations, Translations
from flask import Flask, Request, current_app, g, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from wtforms.i18n import messages_path

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def N_(text: str) -> str:
    """Marks reference data (roles, care areas, regions, categories) for the catalogue: stored
    in Swedish, shown through the ``translated`` filter in the reader's language."""
    return text


def translated(text: str) -> str:
    """Reference data stored in Swedish in the reader's language (the name itself when the
    catalogue does not know it, e.g. a category an admin added)."""
    return fast_gettext(text) if text else ""


_LOCALES: dict[str, Locale] = {}


def locale_object(code: str) -> Locale:
    """One Locale per language for the whole process: Flask-Babel keeps a Locale it is given
    as it is, so every request's locale is the same object and finds its catalogue at once."""
    found = _LOCALES.get(code)
    if found is None:
        found = _LOCALES[code] = Locale.parse(code)
    return found


def select_locale() -> Locale:
    languages = current_app.config["LANGUAGES"]
    user = current_user._get_current_object()  # one look-up through the proxy, not two
    if getattr(user, "is_authenticated", False) and user.locale in languages:
        return locale_object(user.locale)
    chosen = session.get("locale") if request else None
    return locale_object(
        chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_locale() -> Locale | None:
    """``flask_babel.get_locale()`` without its lookups of ``g`` through proxies: the locale
    Flask-Babel stored for this request (``force_locale`` replaces it), else its own answer.

    The request's first ask (every page's: its templates are kept per language) stores
    ``select_locale``'s answer, the app's selector (``create_app``), where Flask-Babel would
    store it: Flask-Babel's own way there looked up ``g``, the app and its extension through
    proxies again (3 % of a signed-in static page's instructions)."""
    context = g._get_current_object()
    state = getattr(context, "_flask_babel", None)
    if state is None:
        locale = select_locale()
        context._flask_babel = SimpleNamespace(babel_locale=locale)
        return locale
    return getattr(state, "babel_locale", None) or get_locale()


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def to_stockholm(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def from_stockholm(local: datetime) -> datetime:
    """A naive wall-clock time in Stockholm as an aware UTC datetime."""
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC)


# Each language's catalogue, found once per process (every app reads the same files).
_catalogues: dict[Locale, NullTranslations] = {}
_last: tuple[Locale | None, NullTranslations | None] = (None, None)


def catalogue() -> NullTranslations:
    """The catalogue of the request's language (Flask-Babel looks it up anew on every call)."""
    global _last
    locale = current_locale()
    seen, found = _last  # one read: another thread may replace the pair meanwhile
    if locale is not seen:
        found = _catalogues.get(locale)
        if found is None:
            found = _catalogues[locale] = get_translations()
        _last = (locale, found)
    return found


def fast_gettext(text: str) -> str:
    """``gettext`` without variables, for the filters a long page calls for every row."""
    return catalogue().ugettext(text)


def install_template_gettext(app: Flask) -> None:
    """``_()`` in templates, with the catalogue found once per language.

    Flask-Babel's own callables look up the request context, the domain, the locale and the
    catalogue on every call, and a long page makes a few hundred calls; these look up only the
    locale (which ``force_locale`` may change within a request) and keep its catalogue.
    """
    with app.app_context():  # loaded before the first request, not in it
        for language in app.config["LANGUAGES"]:
            with force_locale(locale_object(language)):
                _catalogues[get_locale()] = get_translations()
                format_timedelta(60, locale=get_locale())  # Babel's locale data, read once
    app.extensions["hub_catalogues"] = _catalogues
    translations = catalogue

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @pass_eval_context
    def template_gettext(eval_context: EvalContext, string: str, **variables) -> str:
        """What Jinja's newstyle ``_()`` does, without its two wrappers around it."""
        text = translations().ugettext(string)
        if eval_context.autoescape:
            text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja's _() does)
        # Jinja always applies %, which only matters for a "%%" (our catalogue has none).
        return text % variables if variables or "%" in text else text

    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = template_gettext

    @pass_eval_context
    def template_ngettext(
        eval_context: EvalContext, singular: str, plural: str, num: int, **variables
    ) -> str:
        """What Jinja's newstyle ``ngettext()`` does (a list calls it for every row), without its
        two wrappers around it."""
        text = translations().ungettext(singular, plural, num)
        if eval_context.autoescape:
            text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja's ngettext() does)
        variables.setdefault("num", num)
        return text % variables

    app.jinja_env.globals["ngettext"] = template_ngettext


# WTForms' own messages ("Inte ett giltigt val"), each language's catalogue read from disk once
# per process: Flask-WTF read it anew (0.4 ms) in every request whose form made one.
_form_catalogues: dict[Locale | None, NullTranslations] = {}


def form_catalogue() -> NullTranslations:
    """WTForms' catalogue in the request's language."""
    locale = current_locale()
    found = _form_catalogues.get(locale)
    if found is None:
        found = _form_catalogues[locale] = Translations.load(
            messages_path(), [locale], domain="wtforms"
        )
    return found


class FormMessages:
    """What Flask-WTF asks of the request's ``wtforms_translations``, from the kept catalogues."""

    def ugettext(self, string: str) -> str:
        return form_catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return form_catalogue().ungettext(singular, plural, n)


class HubRequest(Request):
    # Flask-WTF loads the catalogue only when a request has none of its own.
    wtforms_translations = FormMessages()


def install_form_messages(app: Flask) -> None:
    """Every request finds WTForms' messages kept; the catalogues are read before the first."""
    app.request_class = HubRequest
    with app.app_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(locale_object(language)):
                form_catalogue()
