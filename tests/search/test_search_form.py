"""The search form's lists of categories and tags: made and drawn once per language and rows,
kept per worker: a tag made in this worker, another language or another choice shows at once,
a tag another worker made once the kept time is out (issue 17)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from flask import request
from flask_babel import force_locale
from wtforms.widgets import Select

from hub.core import kept
from hub.core.models import Tag
from hub.core.tags import get_or_create_tags
from hub.extensions import db
from hub.forum import search_form


@pytest.fixture
def member(client, login, create_user):
    user = create_user(name="Sara Ek")
    login(user)
    return user


def tag_options(html: str) -> list[str]:
    select = re.search(r'<select id="tagg" name="tagg">(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def test_a_new_tag_a_choice_and_a_language_show_at_once(client, member, category):
    db.session.add(Tag(slug="surfplattor", name="Surfplattor"))
    db.session.commit()
    first = client.get("/sok?q=laddning").text
    assert tag_options(first) == ["Alla ämnesord", "Surfplattor"]
    get_or_create_tags(["Appar"])  # the tags' rule, in this worker: shown at once
    db.session.commit()
    again = client.get("/sok?q=laddning&tagg=appar").text
    assert tag_options(again) == ["Alla ämnesord", "Appar", "Surfplattor"]
    assert '<option class="user-content" selected value="appar">Appar</option>' in again
    chosen = client.get("/sok?q=laddning&tagg=surfplattor").text
    assert '<option class="user-content" selected value="surfplattor">' in chosen
    assert 'selected value="appar"' not in chosen
    member.locale = "en"
    db.session.commit()
    english = client.get("/sok?q=laddning").text
    assert tag_options(english) == ["All topic words", "Appar", "Surfplattor"]
    assert ">All categories</option>" in english


def test_a_tag_another_worker_made_shows_when_the_kept_time_is_out(
    app, client, member, category, monkeypatch
):
    assert tag_options(client.get("/sok?q=laddning").text) == ["Alla ämnesord"]
    db.session.add(Tag(slug="appar", name="Appar"))  # as if in another worker: no rule runs here
    db.session.commit()
    assert tag_options(client.get("/sok?q=laddning").text) == ["Alla ämnesord"]
    later = kept.monotonic() + app.config["REFERENCE_KEPT_SECONDS"]
    monkeypatch.setattr(kept, "monotonic", lambda: later)
    assert tag_options(client.get("/sok?q=laddning").text) == ["Alla ämnesord", "Appar"]


def test_the_drawn_select_is_the_one_wtforms_draws(app, client, member, category):
    db.session.add(Tag(slug="<b>", name="<b>&"))
    db.session.commit()
    html = client.get("/sok?q=laddning&tagg=x").text  # an unknown tag: refused, still drawn
    with app.test_request_context("/sok?q=laddning&tagg=x"):
        form = search_form.SearchForm()
        form.fill_choices()
        form.validate()
        attributes = {"aria-describedby": "tagg-error", "aria-invalid": "true"}
        drawn = str(form.tagg(**attributes))
        assert drawn == str(Select()(form.tagg, **attributes))
    assert drawn in html and 'value="&lt;b&gt;">&lt;b&gt;&amp;</option>' in drawn


@pytest.mark.parametrize("answered", ["", "=", "=ja", "=nej", "=x"])
@pytest.mark.parametrize("locale", ["sv", "en"])
def test_the_radio_buttons_are_the_ones_wtforms_draws(app, client, member, answered, locale):
    member.locale = locale
    db.session.commit()
    url = f"/sok?q=laddning&besvarad{answered}" if answered else "/sok?q=laddning"
    html = client.get(url).text
    drawn = re.search(r"<legend>.*?</legend>\s*(.*?)\s*</fieldset>", html, re.S).group(1)
    with app.test_request_context(url), force_locale(locale):
        form = search_form.SearchForm(request.args)
        form.fill_choices()
        form.validate()
        wtforms = [
            f'<div class="checkbox">{option()} {option.label()}</div>' for option in form.besvarad
        ]
    assert [line.strip() for line in drawn.splitlines()] == wtforms
    assert ("checked" in drawn) == (answered != "=x")
    assert ('value="ja">' in drawn and 'checked id="besvarad-1"' in drawn) == (answered == "=ja")


@pytest.mark.parametrize(
    ("query", "valid"),
    [("", True), ("&tagg=&kategori=+", True), ("&tagg=appar", True), ("&tagg=nej", False)],
)
def test_an_empty_choice_makes_no_error_to_throw_away(app, client, member, category, query, valid):
    """WTForms makes its own messages (from its catalogue) only for a real error."""
    db.session.add(Tag(slug="appar", name="Appar"))
    db.session.commit()
    with app.test_request_context(f"/sok?q=laddning{query}"):
        form = search_form.SearchForm(request.args)
        form.fill_choices()
        assert form.validate() is valid
        assert bool(form.errors) is not valid
    response = client.get(f"/sok?q=laddning{query}")
    assert response.status_code == (200 if valid else 400)
    assert ("Inte ett giltigt val" in response.text) is not valid


HINT = (
    "Sök bland frågor, svar och personer. Ordets alla former räknas, till exempel möte, mötet "
    "och mötena."
)


@pytest.mark.parametrize("query", ["", "laddning", '"<b>&amp;', "x" * 250, " \x01 två  ord "])
@pytest.mark.parametrize("locale", ["sv", "en"])
def test_the_query_field_is_the_one_the_field_macro_draws(app, client, member, query, locale):
    member.locale = locale
    db.session.commit()
    url = "/sok?" + urlencode({"q": query})
    html = client.get(url).text
    field = r'\n  (<div class="field[^"]*">\n  <label for="sok-q">.*?</div>\n)'
    drawn = re.search(field, html, re.S)
    with app.test_request_context(url), force_locale(locale):
        form = search_form.SearchForm(request.args)
        form.fill_choices()
        form.validate()
        macro = app.jinja_env.from_string(
            '{% from "macros.html" import field %}'
            "{{ field(form.q, hint=_(hint), type='search') }}"
        )
        assert drawn.group(1) == macro.render(form=form, hint=HINT)
    assert ("has-error" in drawn.group(1)) == (len(query) > 200)


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_a_valid_form_is_drawn_once_per_choices_with_the_query_filled_in(
    app, client, member, category, locale
):
    """A valid form is a shared part whose one hole is the query: for any query, chosen values
    and language the page holds what the template draws for that form itself."""
    db.session.add(Tag(slug="appar", name="Appar"))
    member.locale = locale
    db.session.commit()
    app.extensions.pop("hub_search_forms", None)
    chosen = ("", "&tagg=appar", "&kategori=+&besvarad=nej", f"&kategori={category.id}")
    for values in chosen:
        for query in ("laddning", '"<b>&amp;', " två  ord ", ""):
            url = "/sok?" + urlencode({"q": query}) + values
            html = client.get(url).text
            with app.test_request_context(url), force_locale(locale):
                form = search_form.SearchForm(request.args)
                form.fill_choices()
                assert form.validate()
                template = app.jinja_env.get_template(search_form.FORM)
                assert template.render(form=form, query=form.q._value()) in html
    assert len(app.extensions["hub_search_forms"]) == len(chosen)
