"""The page cache (hub/core/pagecache.py): pages come from memory between writes, yet nobody sees
somebody else's page, a stale page after a write, a spent token or a reused nonce."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from hub import create_app
from hub.auth.models import Role
from hub.core import pagecache
from hub.core.models import ContentVersion
from hub.extensions import db
from hub.forum.viewcounts import pending_views
from tests.conftest import csrf_token, make_config
from tests.factories import PASSWORD


def signed_in(app: Flask, user) -> FlaskClient:
    client = app.test_client()
    page = client.get("/logga-in")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    assert client.post("/logga-in", data=data).status_code == 302
    client.get("/notiser")  # the first page after signing in puts a new CSRF token in the session
    return client


def statements_for(client: FlaskClient, url: str) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def nonce_of(html: str) -> str:
    return re.search(r'<script [^>]*nonce="([^"]+)"', html).group(1)


def content_version() -> int:
    return db.session.scalar(select(ContentVersion.value))


@pytest.fixture
def reader(app, create_user, create_question):
    user = create_user(name="Rut Läsare")
    create_question(user, title="Hur laddar ni surfplattorna på natten?")
    return signed_in(app, user)


@pytest.mark.parametrize("url", ["/", "/fragor", "/katalog", "/traffar", "/sok?q=surfplattor"])
def test_second_visit_comes_from_memory(reader, url):
    first = reader.get(url)
    statements = statements_for(reader, url)
    # Loading the signed-in user and reading the content version; nothing of the page itself.
    assert len(statements) <= 2, statements
    again = reader.get(url)
    assert "X-Page-Cache" not in first.headers and again.headers["X-Page-Cache"] == "hit"
    without_tokens = re.compile(r'value="[^"]{40,}"|nonce="[^"]+"|nonce-[^\']+')
    assert without_tokens.sub("", again.text) == without_tokens.sub("", first.text)


def test_a_cached_page_carries_a_working_token_and_a_fresh_nonce(reader):
    url = re.search(r'href="(/fragor/\d+/[^"]+)"', reader.get("/fragor").text).group(1)
    first = reader.get(url)
    second = reader.get(url)
    assert nonce_of(first.text) != nonce_of(second.text)
    assert f"'nonce-{nonce_of(second.text)}'" in second.headers["Content-Security-Policy"]
    response = reader.post("/logga-ut", data={"csrf_token": csrf_token(second.text)})
    assert response.status_code == 302
    assert reader.get("/fragor").status_code == 302  # signed out: to the login page


def test_a_write_shows_at_once_to_every_reader(app, reader, create_user):
    assert "Vem har bäst laddskåp?" not in reader.get("/fragor").text
    writer = signed_in(app, create_user())
    form = writer.get("/fragor/ny").text
    response = writer.post(
        "/fragor/ny",
        data={
            "csrf_token": csrf_token(form),
            "title": "Vem har bäst laddskåp?",
            "body": "Vi behöver ett laddskåp för tjugo plattor. Vad har ni valt?",
            "category": re.search(r'<option value="(\d+)"', form).group(1),
        },
    )
    assert response.status_code == 303, response.text
    assert "Vem har bäst laddskåp?" in reader.get("/fragor").text


def test_readers_do_not_share_pages(app, reader, create_user):
    moderator = signed_in(app, create_user(role=Role.COORDINATOR))
    assert "Moderering" in moderator.get("/fragor").text
    assert "Moderering" not in reader.get("/fragor").text


def test_a_flashed_message_is_shown_on_a_cached_page(reader):
    reader.get("/fragor")
    with reader.session_transaction() as session:
        session["_flashes"] = [("message", "Tack, det är sparat.")]
    assert "Tack, det är sparat." in reader.get("/fragor").text
    assert "Tack, det är sparat." not in reader.get("/fragor").text


def test_each_language_has_its_own_page(client):
    assert "Frågor" in client.get("/").text
    assert "Frågor" in client.get("/").text  # now from memory
    client.post("/sprak", data={"locale": "en", "csrf_token": csrf_token(client.get("/").text)})
    assert "Questions" in client.get("/").text


def test_a_question_seen_from_memory_still_counts_as_a_view(app, create_user, create_question):
    question = create_question(create_user())
    client = signed_in(app, create_user())
    url = client.get(f"/fragor/{question.id}").headers["Location"]
    before = pending_views().get(question.id, 0)
    client.get(url)
    client.get(url)
    assert pending_views()[question.id] == before + 2


def test_only_writing_transactions_raise_the_content_version(reader, create_user):
    start = content_version()
    reader.get("/fragor")
    assert content_version() == start
    user = create_user()
    assert content_version() == start + 1
    user.name = "Nytt namn"
    db.session.rollback()
    assert content_version() == start + 1


def test_a_savepoint_neither_counts_early_nor_forgets_earlier_writes(app, create_user):
    user = create_user()
    start = content_version()
    user.name = "Före sparpunkten"
    db.session.flush()
    savepoint = db.session.begin_nested()
    user.title = "Inom sparpunkten"
    db.session.flush()
    savepoint.rollback()  # the failed part goes; the name change before it stays
    with db.session.begin_nested():
        user.title = "Sparad"
    assert content_version() == start  # a released savepoint is not the commit
    db.session.commit()
    assert content_version() == start + 1


def test_mail_and_rate_limit_bookkeeping_keeps_the_pages(app, create_user):
    from hub.core import ratelimit
    from hub.core.db import utcnow
    from hub.mail.sender import send_batch

    create_user()
    start = content_version()
    ratelimit.record("test", "127.0.0.1")
    db.session.commit()
    send_batch(utcnow())  # the worker's claim, with nothing due
    assert content_version() == start


def test_the_version_is_read_before_the_signed_in_user(reader):
    """So that on PostgreSQL no page built from rows older than its version is kept."""
    reader.get("/katalog")
    statements = statements_for(reader, "/katalog")
    assert "content_version" in statements[0]


def test_the_cache_can_be_turned_off(app, reader):
    app.extensions.pop("page_cache")
    reader.get("/fragor")
    assert len(statements_for(reader, "/fragor")) > 2


def test_no_page_is_kept_without_the_version_row(reader):
    db.session.execute(db.delete(ContentVersion))
    reader.get("/fragor")
    assert len(statements_for(reader, "/fragor")) > 2
    assert pagecache.CSRF_HOLE not in reader.get("/fragor").text


def test_no_memory_no_cache(database_url):
    assert "page_cache" not in create_app(make_config(database_url, PAGE_CACHE_MB=0)).extensions


def test_the_store_keeps_what_fits_and_drops_the_oldest():
    store = pagecache.PageStore(megabytes=1, seconds=60)
    store.put(("huge",), "x" * (1024 * 1024 + 1))
    assert store.get(("huge",)) is None
    half = "x" * (512 * 1024)
    for name in ("first", "second", "third"):
        store.put((name,), half)
    assert store.get(("first",)) is None
    assert store.get(("third",)) == half


def test_a_page_without_forms_or_scripts_is_kept_as_it_is(app):
    with app.test_request_context("/"):
        assert pagecache.punch_holes("<p>Hej</p>") == "<p>Hej</p>"
        assert pagecache.fill_holes("<p>Hej</p>").get_data(as_text=True) == "<p>Hej</p>"


def test_on_in_production_and_tests_off_while_developing():
    from config import DevelopmentConfig, ProductionConfig, TestConfig

    assert ProductionConfig.PAGE_CACHE_MB == TestConfig.PAGE_CACHE_MB == 32
    assert DevelopmentConfig.PAGE_CACHE_MB == 0
