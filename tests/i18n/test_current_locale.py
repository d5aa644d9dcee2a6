"""The request's locale is chosen once, by the app's selector, and kept where Flask-Babel keeps
it (``hub.core.i18n.current_locale``): Flask-Babel's own answers agree, ``force_locale`` still
overrides it."""

from __future__ import annotations

from flask import session
from flask_babel import force_locale, get_locale

from hub.core.i18n import current_locale, locale_object


def test_the_first_ask_stores_the_selected_locale(app):
    with app.test_request_context("/"):
        session["locale"] = "en"
        chosen = current_locale()
        assert chosen is locale_object("en")
        assert get_locale() is chosen  # stored: Flask-Babel does not select again
        session["locale"] = "sv"
        assert current_locale() is chosen  # chosen once per request, as Flask-Babel does


def test_force_locale_overrides_it_and_puts_it_back(app):
    with app.test_request_context("/"):
        first = current_locale()
        with force_locale("en"):
            assert str(current_locale()) == "en"
        assert current_locale() is first


def test_force_locale_before_the_first_ask(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert str(current_locale()) == "en"
        assert current_locale() is locale_object(app.config["BABEL_DEFAULT_LOCALE"])
