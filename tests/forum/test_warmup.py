"""Start-up work before a worker's first request (issue 17, hub/warmup.py and gunicorn.conf.py):
after the warm-up a member's first requests compile no statement, and nothing is kept."""

from __future__ import annotations

import gc
import importlib.util
import logging
from pathlib import Path

import pytest
from flask import Flask, has_request_context, request
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from hub import warmup
from hub.core.driver_rows import DriverStatement
from hub.extensions import db
from hub.forum import answers, viewcounts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def forum(create_user, create_question, category):
    asker, helper = create_user(), create_user()
    question = create_question(asker, title="Hur laddar ni surfplattan på natten?")
    answers.create_answer(question, helper, "Vi laddar surfplattan i personalrummet.")
    db.session.commit()
    return asker, question


def driver_statements() -> list[DriverStatement]:
    """The process's statements sent on the driver's cursor (module constants), each compiled
    on its first use (``DriverStatement._compiled``), not in SQLAlchemy's cache."""
    return [kept for kept in gc.get_objects() if isinstance(kept, DriverStatement)]


def compiled() -> int:
    """Statements compiled so far: SQLAlchemy's (kept per engine) and the driver's cursor's."""
    cache = db.engine._compiled_cache
    return len(cache) + sum(len(statement._compiled) for statement in driver_statements())


def forget_compiled() -> None:
    """As in a fresh worker: nothing compiled yet."""
    db.engine._compiled_cache.clear()
    for statement in driver_statements():
        statement._compiled.clear()


def compiled_by_pages(client, pages: list[str]) -> int:
    """How many statements a member's first visit of the pages compiles."""
    before = compiled()
    for page in pages:
        response = client.get(page)
        if response.status_code == 301:  # the question's address with its title
            response = client.get(response.location)
        assert response.status_code == 200, page
    return compiled() - before


def test_after_the_warm_up_a_members_first_pages_compile_next_to_nothing(app, client, login, forum):
    member, question = forum
    pages = [*warmup.PAGES, *warmup.filtered_pages(member)]
    assert f"/fragor/{question.id}" in pages and "/katalog?kommun=1381" in pages
    login(member)
    forget_compiled()
    cold = compiled_by_pages(client, pages)
    # The member, the question page, the list, start, the directory and search: each page
    # compiles statements of its own.
    assert cold >= 20
    forget_compiled()
    views = viewcounts.pending_views()
    rendered = warmup.render_pages(app, db.session.connection())
    assert rendered == len(pages)  # each page answered 200
    assert viewcounts.pending_views() == views  # the warm-up's question view is taken back
    # A member's own branches (a flash, a first visit of the day) may still compile a statement.
    assert compiled_by_pages(client, pages) <= cold // 10


def test_the_question_pages_warmed_are_the_newest_with_each_number_of_topics(
    create_user, create_question, create_tag, monkeypatch
):
    asker = create_user()
    tags = [create_tag(f"ämne {i}") for i in range(4)]
    old_three = create_question(asker, tags=tags[:3])
    two = create_question(asker, tags=tags[:2])
    one = create_question(asker, tags=tags[:1])
    newer_two = create_question(asker, tags=tags[1:3])
    assert warmup.newest_by_tag_count(5) == [one.id, newer_two.id, old_three.id]
    # Only the newest tagged questions are looked among: a number of topics no recent question
    # has is not looked for through the whole table.
    monkeypatch.setattr(warmup, "TAG_COUNT_WINDOW", newer_two.id - old_three.id - 1)
    assert warmup.newest_by_tag_count(5) == [one.id, newer_two.id]
    assert two.id not in warmup.newest_by_tag_count(5)


@pytest.fixture
def own_engine(app, tmp_path, monkeypatch):
    """An engine of the warm-up's own on a file of its own: the test's transaction holds the test
    database's write lock, which a second SQLite connection would wait for."""
    engine = create_engine(f"sqlite:///{tmp_path / 'warm.db'}")
    monkeypatch.setitem(db._app_engines[app], None, engine)
    engine.frozen = []  # gc.freeze: start-up's objects out of the collector's sight
    monkeypatch.setattr(warmup.gc, "freeze", lambda: engine.frozen.append(True))
    yield engine
    engine.dispose()


def test_the_warm_up_rolls_back_and_closes_its_connection(app, own_engine, monkeypatch, caplog):
    seen = {}

    def render(_app: Flask, connection) -> int:
        seen["connection"], seen["in transaction"] = connection, connection.in_transaction()
        return 3

    monkeypatch.setattr(warmup, "render_pages", render)
    with caplog.at_level(logging.INFO, logger="hub.warmup"):
        warmup.warm_up(app)
    assert seen["in transaction"] and seen["connection"].closed
    assert own_engine.pool.checkedout() == 0  # nothing of the master's is left for the workers
    assert "3 sidor" in caplog.text and own_engine.frozen == [True]


def test_a_database_not_ready_yet_does_not_stop_the_start(app, own_engine, monkeypatch, caplog):
    def render(_app: Flask, _connection) -> int:
        raise OperationalError("SELECT", {}, Exception("no such table: user"))

    monkeypatch.setattr(warmup, "render_pages", render)
    warmup.warm_up(app)
    assert own_engine.pool.checkedout() == 0 and "hoppades över" in caplog.text
    assert own_engine.frozen == [True]


def gunicorn_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Fake:
    def __init__(self, **fields) -> None:
        self.__dict__.update(fields)


@pytest.mark.parametrize("preload", [True, False])
def test_gunicorn_warms_the_hub_once_before_it_serves(app, monkeypatch, preload):
    warmed, connected = [], []
    monkeypatch.setattr(warmup, "warm_up", warmed.append)
    monkeypatch.setattr(warmup, "warm_worker", connected.append)
    conf = gunicorn_config()
    config = Fake(preload_app=preload)
    conf.when_ready(Fake(cfg=config, app=Fake(wsgi=lambda: app)))  # the master, before forking
    conf.post_worker_init(Fake(cfg=config, wsgi=app))  # each worker, once it has the app
    assert warmed == [app] and connected == [app]  # the connection: in each worker, after
    conf.post_worker_init(Fake(cfg=Fake(preload_app=False), wsgi=Flask("bench.bare_app")))
    assert warmed == [app] and connected == [app]  # another app is left alone


def test_a_worker_warms_its_connection_with_a_search_that_only_reads(app, monkeypatch):
    from hub.core import db as core_db
    from hub.forum import search

    seen = []

    def warm() -> None:
        seen.append((core_db._reading.get(), has_request_context() and request.method))

    monkeypatch.setattr(search, "warm_search", warm)
    warmup.warm_worker(app)
    # On SQLite a plain BEGIN: no write lock while the others start. PostgreSQL: in a GET too,
    # whose reads go to the connection the worker holds for them.
    postgres = db.engine.dialect.name == "postgresql"
    assert seen == [(True, False), (True, "GET")] if postgres else [(True, False)]


def test_a_worker_starts_even_when_its_warm_up_search_fails(app, monkeypatch, caplog):
    from hub.forum import search

    def fail() -> None:
        raise OperationalError("SELECT", {}, Exception("no such table: search_document"))

    monkeypatch.setattr(search, "warm_search", fail)
    warmup.warm_worker(app)
    assert "anslutningen hoppades över" in caplog.text


def test_a_stopping_worker_writes_the_views_it_counted(app, forum, monkeypatch, caplog):
    _asker, question = forum
    viewcounts.flush_views()
    viewcounts.count_view(question.id)
    conf = gunicorn_config()
    conf.worker_exit(Fake(), Fake(wsgi=app))
    assert viewcounts.pending_views() == {}
    db.session.refresh(question)
    assert question.view_count == 1
    conf.worker_exit(Fake(), Fake())  # it stopped before it loaded the app: nothing to write

    def fail() -> int:
        raise OperationalError("UPDATE", {}, Exception("the server closed the connection"))

    monkeypatch.setattr(viewcounts, "flush_views", fail)
    conf.worker_exit(Fake(), Fake(wsgi=app))  # the worker still stops
    assert "Visningarna kunde inte sparas" in caplog.text
