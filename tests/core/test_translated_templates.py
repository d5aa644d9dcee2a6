"""Templates compiled per language with their fixed texts translated
(hub/core/translated_templates.py) write what ``_()`` called at render time writes."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader

from hub.core.i18n import locale_object

# "Frågor" and "Nytt lösenord" are in the catalogue; "Inte i katalogen" is not.
TEMPLATES = {
    "page.html": (
        '{{ _("Frågor") }}|{{ gettext("Frågor") }}|{{ _("Frågor")|upper }}|'
        '{% set label = _("Nytt lösenord") %}{{ label }}|{{ _("Frågor") ~ "<b>" }}|'
        '{{ _("%(n)s frågor", n="<i>") }}|{{ _("Inte i katalogen & <b>") }}|{{ _("100 %%") }}|'
        "{% macro field() %}{% set _ = [1] %}{{ _ }}{% endmacro %}{{ field() }}|"
        '{% macro label() %}{{ _("Frågor") }}{% endmacro %}{{ label() }}|'
        '{% for _ in [2] %}{{ _ }}{% endfor %}{% autoescape false %}{{ _("Frågor") }}'
        "{% endautoescape %}"
    ),
    "mail.txt": '{{ _("Frågor") }} & {{ _("Inte i katalogen & <b>") }}',
    "bound.html": '{% set _ = gettext %}{{ _("Frågor") }}',
    "outer.html": '{% include "page.html" %}',
}


@pytest.fixture
def templates(app):
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), loader])
    yield
    app.jinja_env.loader = loader


def as_written(app, name: str) -> str:
    """The template compiled as written, ``_()`` called while rendering (``from_string`` is
    not translated), escaping as the file's name says."""
    environment = app.jinja_env.overlay(autoescape=name.endswith(".html"))
    return environment.from_string(TEMPLATES[name]).render()


@pytest.mark.parametrize("locale", ["sv", "en"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_written_as_gettext_writes_it(app, templates, locale, name):
    with app.test_request_context("/"), force_locale(locale_object(locale)):
        wanted = as_written(app, name if name != "outer.html" else "page.html")
        assert render_template(name) == wanted
        assert render_template(name) == wanted  # kept


def test_each_language_has_its_own_template(app, templates):
    with app.test_request_context("/"):
        with force_locale(locale_object("sv")):
            swedish = app.jinja_env.get_template("page.html")
            assert render_template("page.html").startswith("Frågor|Frågor|FRÅGOR|Nytt lösenord|")
        with force_locale(locale_object("en")):
            english = app.jinja_env.get_template("page.html")
            page = render_template("page.html")
            assert page.startswith("Questions|Questions|QUESTIONS|New password|Questions&lt;b&gt;|")
            assert page.endswith("|[1]|Questions|2Questions")
            assert app.jinja_env.get_template("page.html") is english
    assert swedish is not english


def test_a_literal_text_is_not_looked_up_while_rendering(app, templates, monkeypatch):
    """The literal texts' calls are gone from the compiled template; the others remain."""
    calls = []
    gettext = app.jinja_env.globals["_"]

    def counted(*args, **kwargs):
        calls.append(args[1])
        return gettext(*args, **kwargs)

    counted.jinja_pass_arg = gettext.jinja_pass_arg
    monkeypatch.setitem(app.jinja_env.globals, "_", counted)
    with app.test_request_context("/"), force_locale(locale_object("en")):
        render_template("page.html")
        render_template("bound.html")  # its _ is gettext itself, not the counted one
    # A variable, and a translation with a %, which _() passes through %.
    assert calls == ["%(n)s frågor", "100 %%"]
