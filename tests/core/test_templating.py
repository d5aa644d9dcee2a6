"""The templates' short-path helpers (hub/core/templating.py, hub/core/i18n.py) give exactly what
Flask, Flask-Babel and Flask-WTF give, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import flask_babel
import pytest
from flask import render_template_string, url_for
from flask_babel import force_locale
from flask_wtf.csrf import generate_csrf

from hub.core import templating
from hub.core.db import simulated_clock
from hub.extensions import db

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night summer time begins in Stockholm
MOMENTS = [NOW + timedelta(hours=h, minutes=m) for h in (-30, -2, 0, 1, 2, 5000) for m in (0, 7)]
# Naive datetimes are UTC to Babel, and so here.
MOMENTS += [datetime(2026, 10, 25, 1, 30), datetime(2025, 12, 31, 23, 59, 59)]  # noqa: DTZ001


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_dates_as_flask_babel_writes_them(app, locale):
    formats = ["d MMMM yyyy 'kl.' HH:mm", "EEEE d MMMM yyyy 'kl.' HH:mm", "HH:mm"]
    formats += ["EEEE d MMMM 'kl.' HH:mm", "d MMM yy h:mm a"]  # the last: fields Babel writes
    with app.test_request_context("/"), force_locale(locale):
        for moment in MOMENTS:
            for format in formats:
                wanted = flask_babel.format_datetime(moment, flask_babel.gettext(format))
                assert templating.datetime_filter(moment, format) == wanted
            assert templating.date_filter(moment) == flask_babel.format_date(moment, "d MMMM yyyy")
        assert templating.date_filter(date(2026, 1, 2)) == flask_babel.format_date(
            date(2026, 1, 2), "d MMMM yyyy"
        )
        assert templating.datetime_filter(None) == templating.date_filter(None) == ""


def test_a_moment_written_once_per_language(app):
    """``|datetime`` keeps what it wrote per moment, pattern and language."""
    with app.test_request_context("/"):
        for locale, wanted in [("sv", "29 mars 2026 kl. 03:30"), ("en", "29 March 2026 at 03:30")]:
            with force_locale(locale):
                assert templating.datetime_filter(NOW + timedelta(hours=1)) == wanted
                assert templating.datetime_filter(NOW + timedelta(hours=1)) == wanted
                assert templating.datetime_filter(NOW, "HH:mm") == "01:30"


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_ago_as_babel_words_it(app, locale):
    seconds = [59, 60, 61, 89, 91, 3000, 3599, 3600, 5400, 80_000, 86_400, 200_000, 600_000]
    seconds += [2_000_000, 2_600_000, 20_000_000, 27_000_000, 31_536_000, 100_000_000]
    with app.test_request_context("/"), force_locale(locale), simulated_clock(lambda: NOW):
        ago = templating.ago_writer()  # a page's many dates: the moment and language once
        for s in seconds:
            for sign in (-1, 1):
                moment = NOW + timedelta(seconds=sign * s, microseconds=250)
                delta = moment - NOW
                wanted = flask_babel.format_timedelta(delta, add_direction=True)
                if abs(delta.total_seconds()) < 60:
                    wanted = "nyss" if locale == "sv" else "just now"
                assert templating.ago_filter(moment) == wanted, (s, sign)
                assert ago(moment) == wanted, (s, sign)
        assert templating.ago_filter(None) == ago(None) == ""


def test_ago_in_a_language_forced_within_the_request(app):
    """A mail written in its reader's language within a request: its own writer's words."""
    moment = NOW - timedelta(hours=3)
    with app.test_request_context("/"), simulated_clock(lambda: NOW):
        with force_locale("en"):
            english = templating.ago_writer()
        with force_locale("sv"):
            assert templating.ago_writer()(moment) == templating.ago_filter(moment)
            assert english(moment) == "3 hours ago" != templating.ago_filter(moment)


def test_urls_as_url_for_builds_them(app):
    calls = [
        ("forum.questions", {}),
        ("forum.questions", {"kategori": "appar", "page": 3}),
        ("forum.questions", {"tagg": "surfplatta", "page": 12}),
        ("forum.helpful", {"answer_id": 7}),
        ("forum.helpful", {"answer_id": 1_999_999_937}),
        ("forum.question", {"question_id": 8, "slug": "hur-byter-ni"}),
        ("forum.follow", {"target_type": "question", "target_id": 42}),
        ("static", {"filename": "css/site.css"}),
        ("directory.person", {"user_id": 5, "_anchor": "kontakt"}),
        ("forum.questions", {"_external": True}),
        ("forum.questions", {"kategori": ["a", "b"]}),
    ]
    with app.test_request_context("/fragor"):
        for endpoint, values in calls * 2:  # the second time from the kept pattern
            assert templating.cached_url_for(endpoint, **values) == url_for(endpoint, **values)
    with app.test_request_context("/", base_url="http://stafetten.test/hub"):
        wanted = url_for("forum.helpful", answer_id=9)
        assert wanted.startswith("/hub/")
        assert templating.cached_url_for("forum.helpful", answer_id=9) == wanted
    with app.app_context():  # mail, outside a request: url_for itself
        wanted = url_for("forum.questions")
        assert templating.cached_url_for("forum.questions") == wanted


def test_url_patterns_are_bounded(app, monkeypatch):
    monkeypatch.setattr(templating, "URL_CACHE_SIZE", 3)
    templating._urls.clear()
    with app.test_request_context("/"):
        for slug in "abcdefg":
            assert templating.cached_url_for("forum.questions", tagg=slug).endswith(slug)
    assert len(templating._urls) <= 3


def test_csrf_token_and_translations_in_templates(app):
    with app.test_request_context("/"):
        token = generate_csrf()
        assert render_template_string("{{ csrf_token() }}") == token
        with force_locale("en"):
            html = render_template_string(
                "{{ _('Sök') }}|{{ _('Sida %(n)s av %(total)s', n=1, total='<b>') }}"
            )
            assert html == "Search|Page 1 of &lt;b&gt;"
        text = "{% autoescape false %}{{ _('Sida %(n)s av %(total)s', n=1, total='<b>') }}"
        assert render_template_string(text + "{% endautoescape %}") == "Sida 1 av <b>"  # mail


def test_templates_and_catalogues_are_loaded_by_create_app(database_url):
    """A fresh worker's first request compiles no template and reads no catalogue: each
    template is compiled for each language (``hub.core.translated_templates``)."""
    from hub import create_app
    from tests.conftest import make_config

    app = create_app(make_config(database_url, PRELOAD_TEMPLATES=True))
    names = app.jinja_env.list_templates()
    catalogues = app.extensions["hub_catalogues"].values()
    cached = {key[1:] for key in app.jinja_env.translated}  # (loader ref, name, catalogue)
    assert "forum/question.html" in names
    assert {(name, catalogue) for name in names for catalogue in catalogues} <= cached
    assert {str(locale) for locale in app.extensions["hub_catalogues"]} == {"sv", "en"}
    assert not db.Model.registry._new_mappers  # relationships resolved


def test_a_recently_signed_csrf_token_is_given_again_and_still_accepted(
    client, login, create_user, monkeypatch
):
    from tests.conftest import csrf_token

    templating._signed.clear()
    login(create_user())
    first = csrf_token(client.get("/fragor").text)
    assert len(templating._signed) == 1
    with monkeypatch.context() as signing:
        signing.setattr(templating, "generate_csrf", lambda: pytest.fail("signed again"))
        again = csrf_token(client.get("/fragor").text)
    assert first == again  # signed once in SIGNED_KEPT
    posted = client.post("/sprak", data={"locale": "en", "next": "/", "csrf_token": again})
    assert posted.status_code == 302

    later = templating.time.monotonic() + templating.SIGNED_KEPT + 1
    monkeypatch.setattr(templating.time, "monotonic", lambda: later)
    monkeypatch.setattr(templating, "MAX_SIGNED", 1)  # full: forgotten before the next is kept
    csrf_token(client.get("/fragor").text)
    ((_token, until),) = templating._signed.values()  # signed again, kept from now on
    assert until == later + templating.SIGNED_KEPT


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_ngettext_as_jinja_writes_it(app, locale):
    counted = '{{ ngettext("%(num)s svar", "%(num)s svar", n) }}'
    with app.test_request_context(), force_locale(locale):
        ours = [render_template_string(counted, n=n) for n in (0, 1, 7)]
        babels = [flask_babel.ngettext("%(num)s svar", "%(num)s svar", n) for n in (0, 1, 7)]
        named = render_template_string('{{ ngettext("ett %(x)s", "%(num)s %(x)s", 2, x="<b>") }}')
    assert ours == babels
    assert named == "2 &lt;b&gt;"
