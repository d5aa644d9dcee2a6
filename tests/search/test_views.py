"""The /sok page and the similar-questions endpoint, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from hub.extensions import db
from hub.forum import search_plan
from hub.forum.search_form import QuickSelect
from tests.search.test_search import HOSTILE


@pytest.fixture
def member(create_user, login):
    user = create_user(name="Sara Ek")
    login(user)
    return user


def test_search_needs_sign_in(client):
    assert client.get("/sok?q=möte").status_code == 302
    assert client.get("/fragor/liknande?titel=möte").status_code == 302


def test_results_with_highlight_link_and_people(client, member, create_question, create_user):
    question = create_question("Mötet i Laholm", answers=("Vi ses på mötet.",))
    create_user(name="Möten Mötesson")
    page = client.get("/sok?q=möte")
    assert page.status_code == 200
    assert "<mark>Mötet</mark> i Laholm" in page.text
    assert f'href="/fragor/{question.id}"' in page.text
    assert f'href="/fragor/{question.id}#svar-' in page.text
    assert "Träff i ett svar" in page.text and "Träff i frågan" in page.text
    assert "2 träffar" in page.text
    assert "Möten Mötesson" in page.text


def test_filters_narrow_the_results(client, member, create_question):
    create_question("Sensorer på natten", answers=("Ja.",))
    create_question("Sensorn i korridoren")
    page = client.get("/sok?q=sensor&besvarad=nej")
    assert "korridoren" in page.text and "på natten" not in page.text
    assert '<input checked id="besvarad-2"' in page.text


def test_results_are_paginated_by_twenty(client, member, create_question):
    for n in range(21):
        create_question(f"Larmet nummer {n}")
    first = client.get("/sok?q=larm")
    assert first.text.count("<h3>") == 20
    assert "Sida 1 av 2" in first.text and "page=2" in first.text
    second = client.get("/sok?q=larm&page=2")
    assert second.text.count("<h3>") == 1


def test_search_page_statement_count(client, member, create_question, count_queries):
    for n in range(25):
        create_question(f"Larmet nummer {n}", answers=("Ett svar om larm.",))
    search_plan.forget()
    with count_queries() as counter:
        assert client.get("/sok?q=larm").status_code == 200
    # Every statement, the search's own too: the session user, the form's choices, the posts
    # (SQLite: the pools, then the page with its written forms; PostgreSQL: one, after the
    # statistics its plan is chosen from, read once per process), meetings and topics (one:
    # none has hits, so no rows and no forms; PostgreSQL: none, the posts' statement said that
    # no item holds the word), people by name (no tag is called "larm").
    assert counter.count == (5 if db.engine.dialect.name == "postgresql" else 6), counter.statements


@contextmanager
def sent_by_the_driver() -> Iterator[list[str]]:
    """The statements the driver itself runs on the test's connection (SQLite: its trace of
    each statement; PostgreSQL: psycopg's cursor), whoever sends them."""
    sent: list[str] = []
    if db.engine.dialect.name == "sqlite":
        driver = db.session.connection().connection.driver_connection
        driver.set_trace_callback(sent.append)
        try:
            yield sent
        finally:
            driver.set_trace_callback(None)
        return
    execute = psycopg.Cursor.execute

    def watched(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", watched)
        yield sent


def reads(statements: list[str]) -> list[str]:
    # SQLite's trace also shows what FTS5 reads from its own tables, quoted with their schema.
    starts = ("SELECT", "WITH")
    return [s for s in statements if s.lstrip().upper().startswith(starts) and "'main'." not in s]


def test_every_statement_of_a_search_passes_the_cursor_events(
    client, member, create_question, create_user, count_queries
):
    """The search's own statements go to the driver's cursor past SQLAlchemy (``DriverSql``,
    ``DriverStatement``), yet the engine's cursor events see each of them: the request log,
    the statement counts and the plan tests count and explain them all."""
    create_question("Larmet på natten", answers=("Ett svar om larmet.",))
    create_user(name="Larm Larsson")
    for path in ("/sok?q=larmet", "/sok?q=larmte", "/sok?q=larmet&del=traffar"):
        client.get(path)  # the form's choices and the statistics: read once
        with sent_by_the_driver() as driver, count_queries() as counter:
            assert client.get(path).status_code == 200
        seen = reads(counter.statements)
        assert len(reads(driver)) == len(seen) >= 2, (driver, seen)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_friendly_page(client, member, create_question, query):
    create_question("Mötet om lås")
    page = client.get("/sok", query_string={"q": query})
    assert page.status_code in (200, 400)
    assert "\x00" not in page.text
    if page.status_code == 400:
        assert "Skriv högst 200 tecken." in page.text


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ({"q": "möte", "kategori": "x"}, 400),
        ({"q": "möte", "kategori": "999999"}, 400),
        ({"q": "möte", "tagg": "\x00"}, 200),  # NUL is dropped before the view: no tag
        ({"q": "möte", "besvarad": "kanske"}, 400),
        ({"q": "möte", "page": "-3"}, 200),
        ({"q": "möte", "page": "99999999999999999999"}, 200),
        ({"q": "ö" * 201}, 400),
        ({}, 200),
    ],
)
def test_odd_arguments_never_give_a_server_error(client, member, args, status):
    assert client.get("/sok", query_string=args).status_code == status


def test_empty_query_asks_for_words(client, member):
    assert "Skriv ett eller flera ord" in client.get("/sok").text
    assert "inga ord som går att söka på" in client.get("/sok?q=***").text


def test_header_has_a_labelled_search_box(client, member):
    page = client.get("/")
    assert '<label for="site-search"' in page.text and 'id="site-search" name="q"' in page.text


def test_similar_questions_endpoint(client, member, create_question):
    close = create_question("Surfplattan laddar inte på boendet")
    create_question("Surfplattorna behöver nya skal")
    create_question("Kaffe på mötet", hidden=True)
    for n in range(6):
        create_question(f"Surfplatta nummer {n}")
    data = client.get("/fragor/liknande?titel=Varför laddar inte surfplattan").json
    assert len(data["questions"]) == 5
    assert data["questions"][0] == {
        "id": close.id,
        "title": "Surfplattan laddar inte på boendet",
        "url": f"/fragor/{close.id}",
        "answers": 0,
        "solved": False,
    }
    assert client.get("/fragor/liknande?titel=kaffe").json == {"questions": []}
    assert client.get("/fragor/liknande").json == {"questions": []}
    assert client.get("/fragor/liknande", query_string={"titel": '"*\x00'}).json == {
        "questions": []
    }


def test_similar_script_is_served(client):
    script = client.get("/static/js/similar.js")
    assert script.status_code == 200 and b"aria-live" in script.data


def test_a_typo_shows_what_was_searched_and_can_be_undone(client, member, create_question):
    create_question("Surfplattan laddar inte")
    page = client.get("/sok?q=surfplatan&besvarad=nej")
    assert "Visar resultat för ”surfplattan”." in page.text
    assert "<mark>Surfplattan</mark> laddar inte" in page.text
    assert 'href="/sok?q=surfplatan&amp;besvarad=nej&amp;exakt=1"' in page.text
    undone = client.get("/sok?q=surfplatan&besvarad=nej&exakt=1")
    assert "Visar resultat för" not in undone.text
    assert "Inga frågor eller svar matchade ”surfplatan”" in undone.text


@pytest.mark.parametrize("selected", [False, True])
@pytest.mark.parametrize(
    ("value", "label", "render_kw"),
    [
        ("", "Alla", None),
        ("a<b", 'X & "Y"', None),
        ("lås", "Lås", {"class": "user-content"}),
        ("7", "", {"class": "a b"}),
        ("x", "y", {"data_x": "1"}),  # WTForms' own path
        (3, "three", None),
    ],
)
def test_the_quick_select_writes_what_wtforms_writes(value, label, render_kw, selected):
    choice = Choice(value, label, selected, render_kw)
    assert QuickSelect.render_option(choice) == Select.render_option(choice)
