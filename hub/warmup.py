"""A worker's start-up work done before its first request (issue 17).

SQLAlchemy compiles each statement the first time it runs and then keeps it in the engine's
cache; the search lexicon, Babel and the templates' helpers fill their caches on first use. A
fresh worker's first request paid all of it: 3-4× a warm one. ``warm_up`` renders the pages
members open most once, through the app, before the worker serves anyone; gunicorn.conf.py calls
it in the master before the fork (``--preload``: every worker inherits the caches) or in each
worker after it has loaded the app.

Nothing is kept: the pages are rendered as an existing member inside one transaction that is
rolled back (the requests' own commits only release savepoints), the question page's view is
taken back, and the connection is closed, so none survives into a forked worker. On a database
that is empty or not migrated yet, there is less or nothing to warm, and the hub starts all
the same.

``warm_worker`` is the part that cannot be done before the fork: each worker opens its own
database connection (``hub.core.db.dispose_after_fork``), and a PostgreSQL server loads the
descriptions of the tables and indexes a connection uses on its first statements. The worker
runs one search on the connection its pool keeps, and on PostgreSQL on the one it holds for
GET requests' reads, so its first member's search does not pay it.
"""

from __future__ import annotations

import contextvars
import gc
import logging

from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session, sessionmaker

from hub.extensions import db

log = logging.getLogger(__name__)

# The pages of bench/realistic.py's mix, as members open them; the filtered ones and the question
# pages are added with values from the database (``pages``).
PAGES = (
    "/",
    "/fragor",
    "/fragor?sort=active",
    "/fragor?sort=unanswered",
    "/fragor?sort=helpful",
    "/fragor?page=2",
    "/sok?q=surfplattan",
    "/sok?q=lösenord+wifi",
    "/katalog",
    "/katalog?page=2",
    "/katalog?q=anna",
    "/traffar",
    "/notiser",
    "/personuppgifter",  # what every signed-in page pays, on a page of its own
)


def warm_up(app: Flask) -> None:
    """Render the main pages once, writing nothing; never stops the hub from starting. On
    PostgreSQL the search's indexes are read first (``hub.forum.search.prewarm_index``)."""
    from hub.forum.search import prewarm_index

    with app.app_context():
        try:
            with db.engine.connect() as connection, connection.begin() as transaction:
                prewarm_index(connection)  # before the pages: one bulk read, not random ones
                rendered = render_pages(app, connection)
                transaction.rollback()
            log.info("Uppvärmning: %d sidor visade före första besökaren.", rendered)
        except SQLAlchemyError as error:  # not migrated yet, say: the first requests pay
            log.warning("Uppvärmningen hoppades över: %s", error.__class__.__name__)
        finally:
            db.engine.dispose()  # no connection of the master's lives on in a worker
    # What start-up made lives as long as the worker: out of the collector's sight, a worker's
    # first collections do not walk it (tens of ms), nor copy its pages after the fork.
    gc.collect()
    gc.freeze()


def warm_worker(app: Flask) -> None:
    """In a worker, before its first request: open the pool's connection and send a search's
    statements once; the connection stays in the pool for the first request. On PostgreSQL the
    same again in a GET, whose reads go to the connection the worker holds for them
    (``hub.core.db.HeldReader``). Reads only; a database not ready yet leaves it to the first
    request."""
    from hub.core.db import held_reader

    with app.app_context():
        warm_connection()
        held = held_reader(db.engine) is not None
    if held:
        with app.test_request_context("/"):
            warm_connection()


def warm_connection() -> None:
    from hub.core.db import read_only
    from hub.forum.search import warm_search

    try:
        with read_only():  # SQLite: no write lock while the other workers start
            warm_search()
    except SQLAlchemyError as error:
        log.warning("Uppvärmningen av anslutningen hoppades över: %s", error.__class__.__name__)
    finally:
        db.session.remove()  # back to the pool, still open


def render_pages(app: Flask, connection: Connection) -> int:
    """Each page of PAGES and ``filtered_pages``, as the first active member, on ``connection``
    (whose transaction the caller rolls back); how many answered 200."""
    from hub.auth.models import Role, User
    from hub.forum import viewcounts

    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    views = viewcounts.pending_views()
    try:
        member = db.session.scalar(
            select(User)
            .where(User.role == Role.MEMBER, User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        )
        pages = [*PAGES, *filtered_pages(member)]
        client = FlaskClient(app, app.response_class)  # a plain one, whatever tests set
        if member is not None:
            with client.session_transaction() as session:
                session["_user_id"] = member.get_id()
                session["_fresh"] = False
        db.session.remove()
        return sum(answered(client, page) == 200 for page in pages)
    finally:
        db.session.remove()
        db.session = original
        viewcounts.restore_views(views)


def answered(client: FlaskClient, page: str) -> int:
    """A page's status, requested in a context of its own, as a worker serves it."""
    response = contextvars.Context().run(client.get, page, follow_redirects=True)
    return response.status_code


def filtered_pages(member) -> list[str]:
    """The list and directory filtered as the mix filters them, and question pages: the newest,
    the newest with an accepted answer (answers, comments and their forms) and the newest with
    each number of topics (the experts' statement has a shape per number), with values found
    in the database; none where it has none."""
    from hub.core.models import Tag
    from hub.directory.models import Municipality
    from hub.forum.models import Category, Question
    from hub.forum.questions import MAX_TAGS

    first = lambda statement: db.session.scalar(statement.limit(1))  # noqa: E731
    newest = select(Question.id).order_by(Question.id.desc())
    tag = first(select(Tag.slug).order_by(Tag.id))
    region = first(select(Municipality.region_code).order_by(Municipality.scb_code))
    found = [
        ("/fragor?kategori={}", first(select(Category.slug).order_by(Category.id))),
        ("/fragor?tagg={}", tag),
        ("/katalog?tagg={}", tag),
        ("/katalog?kommun={}", member.municipality_code if member else None),
        ("/katalog?region={}", region),
        ("/fragor/{}", first(newest)),
        ("/fragor/{}", first(newest.where(Question.accepted_answer_id.is_not(None)))),
    ]
    found += [("/fragor/{}", question_id) for question_id in newest_by_tag_count(MAX_TAGS)]
    return [page.format(value) for page, value in found if value is not None]


# How many of the newest tagged questions to look among for each number of topics. Grouping all
# of question_tag read every row when no question had, say, four topics (0.7 s at 10x the data,
# in the master's start-up); the newest few thousand have each number the data has at all.
TAG_COUNT_WINDOW = 3000


def newest_by_tag_count(most: int) -> list[int]:
    """For each number of topics from 1 to ``most``, the newest question among the newest
    ``TAG_COUNT_WINDOW`` tagged ones that has that many: one statement, bounded rows."""
    from hub.forum.models import question_tag

    tagged = question_tag.c.question_id
    since = select(func.max(tagged) - TAG_COUNT_WINDOW).scalar_subquery()
    counts = db.session.execute(
        select(tagged, func.count()).where(tagged > since).group_by(tagged)
    ).all()
    newest: dict[int, int] = {}
    for question_id, count in counts:
        if count <= most and question_id > newest.get(count, 0):
            newest[count] = question_id
    return [newest[count] for count in sorted(newest)]
