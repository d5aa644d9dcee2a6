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
"""

from __future__ import annotations

import contextvars
import logging

from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session, sessionmaker

from hub.extensions import db

log = logging.getLogger(__name__)

# The pages of bench/realistic.py's mix, as members open them; the question page is added.
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
)


def warm_up(app: Flask) -> None:
    """Render the main pages once, writing nothing; never stops the hub from starting."""
    with app.app_context():
        try:
            with db.engine.connect() as connection, connection.begin() as transaction:
                rendered = render_pages(app, connection)
                transaction.rollback()
            log.info("Uppvärmning: %d sidor visade före första besökaren.", rendered)
        except SQLAlchemyError as error:  # not migrated yet, say: the first requests pay
            log.warning("Uppvärmningen hoppades över: %s", error.__class__.__name__)
        finally:
            db.engine.dispose()  # no connection of the master's lives on in a worker


def render_pages(app: Flask, connection: Connection) -> int:
    """Each page of PAGES and the newest question, as the first active member, on
    ``connection`` (whose transaction the caller rolls back); how many answered 200."""
    from hub.auth.models import Role, User
    from hub.forum import viewcounts
    from hub.forum.models import Question

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
        newest = db.session.scalar(select(Question.id).order_by(Question.id.desc()).limit(1))
        pages = [*PAGES, *([f"/fragor/{newest}"] if newest else [])]
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
