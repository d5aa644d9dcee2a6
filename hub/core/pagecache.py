"""Whole pages kept in memory between writes, per reader.

The busiest pages (question list, a question, search, directory, meetings, start) cost 5–15 ms
to build and are read far more often than anything changes. Each process keeps the HTML it
rendered for a reader, keyed on who reads it, in which language, at which URL, and on the
*content version*: a counter in the database that every committing transaction that wrote
something raises, in the same transaction (so a reader sees the new data and the new version
together, and all processes drop their copies at once). A page is kept at most
``PAGE_CACHE_SECONDS``, which bounds what time alone changes (a meeting that has begun) and the
few writes that bypass the ORM session (batched view counts).

What differs per response is punched back in on the way out: the CSRF token (signed with a
fresh timestamp) and the CSP nonce. Pages that carry a flashed message, set a cookie or answer
anything but 200 are never kept.
"""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import TextClause, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from hub.core.models import ContentVersion
from hub.core.security import csp_nonce
from hub.extensions import db

# Random per process, so that no text a reader puts in a URL or a post can pose as one.
CSRF_HOLE = f"\x00csrf-{secrets.token_hex(8)}\x00"
NONCE_HOLE = f"\x00nonce-{secrets.token_hex(8)}\x00"
WROTE = "hub_wrote_content"  # Session.info flag: this transaction changed something
# Written by the mail worker, the rate limits and the mail receiver (storing and taking a message;
# what the handling posts is written elsewhere), shown on no cached page: writing only these does
# not empty the caches (the worker claims mail every 30 seconds, the receiver stores a burst).
QUIET_TABLES = frozenset({"outbox_message", "rate_limit_hit", "inbound_message"})


class PageStore:
    """At most ``megabytes`` of pages, least recently used out first, none older than
    ``seconds``; safe for the threaded development server."""

    def __init__(self, megabytes: int, seconds: float) -> None:
        self._pages: TTLCache[tuple, str] = TTLCache(
            maxsize=megabytes * 1024 * 1024, ttl=seconds, getsizeof=sys.getsizeof
        )
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            return self._pages.get(key)

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            if sys.getsizeof(html) <= self._pages.maxsize:  # a larger page is not kept
                self._pages[key] = html


def register(app: Flask) -> None:
    if app.config["PAGE_CACHE_MB"] > 0:
        app.extensions["page_cache"] = PageStore(
            app.config["PAGE_CACHE_MB"], app.config["PAGE_CACHE_SECONDS"]
        )
        # First of all hooks, before Flask-Login loads the signed-in user: the version must be
        # read no later than anything the page shows, or on PostgreSQL (each statement sees
        # the latest commit) a page built from older rows could be kept under a newer version.
        app.before_request_funcs.setdefault(None, []).insert(0, read_content_version)


def cached_page(on_hit: Callable[..., None] | None = None) -> Callable:
    """Serve a GET view from the page cache when it can; ``on_hit`` gets the view's arguments
    and does what the view must do even when its page comes from memory (count a view)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            store = current_app.extensions.get("page_cache")
            key = page_key() if store is not None else None
            if key is None:
                return view(**kwargs)
            if (html := store.get(key)) is not None:
                if on_hit is not None:
                    on_hit(**kwargs)
                return fill_holes(html)
            response = make_response(view(**kwargs))
            if may_keep(response):
                store.put(key, punch_holes(response.get_data(as_text=True)))
            return response

        wrapper.page_cached = True  # copied onto the outer decorators' wrappers by @wraps
        return wrapper

    return decorate


def read_content_version() -> None:
    view = current_app.view_functions.get(request.endpoint)
    cache_on = "page_cache" in current_app.extensions
    if cache_on and getattr(view, "page_cached", False) and may_use_cache():
        g.content_version = current_content_version()


def current_content_version() -> int | None:
    return db.session.scalar(select(ContentVersion.value).where(ContentVersion.id == 1))


def move_content_version_past(value: int) -> None:
    """After a restore the version can be lower than before it, and running workers would
    serve pages they kept then for the numbers to come again; so it goes on from above."""
    db.session.execute(
        update(ContentVersion)
        .where(ContentVersion.id == 1, ContentVersion.value <= value)
        .values(value=value + 1)
    )
    db.session.commit()


def may_use_cache() -> bool:
    """A flashed message must be shown (and used up) by a real render."""
    return request.method == "GET" and "_flashes" not in session


def page_key() -> tuple | None:
    version = g.get("content_version")
    if version is None:  # cache off, not a GET, a flash to show, or no version row
        return None
    reader = current_user.get_id() if current_user.is_authenticated else None
    return (version, reader, str(get_locale()), request.full_path)


def may_keep(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not session.modified
        and "Set-Cookie" not in response.headers
    )


def punch_holes(html: str) -> str:
    if token := g.get("csrf_token"):
        html = html.replace(token, CSRF_HOLE)
    if nonce := g.get("csp_nonce"):
        html = html.replace(nonce, NONCE_HOLE)
    return html


def fill_holes(html: str) -> Response:
    if CSRF_HOLE in html:
        html = html.replace(CSRF_HOLE, generate_csrf())
    if NONCE_HOLE in html:
        html = html.replace(NONCE_HOLE, csp_nonce())
    return Response(html, mimetype="text/html")


# --- the content version: raised by every transaction that writes ---------------------------


@event.listens_for(Session, "after_flush")
def note_flush(session: Session, _context) -> None:
    changed = {*session.new, *session.dirty, *session.deleted}
    if any(obj.__table__.name not in QUIET_TABLES for obj in changed):
        session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def note_statement(state: ORMExecuteState) -> None:
    if not is_write(state):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in QUIET_TABLES:
        state.session.info[WROTE] = True


def is_write(state: ORMExecuteState) -> bool:
    if state.is_insert or state.is_update or state.is_delete:
        return True
    if isinstance(state.statement, TextClause):  # a write unless it plainly reads
        # A UNION of parenthesised SELECTs (the search's tiers) starts with "(".
        text = state.statement.text.lstrip().lstrip("(").lstrip().upper()
        return not text.startswith(("SELECT", "WITH", "EXPLAIN"))
    return False


@event.listens_for(Session, "before_commit")
def raise_content_version(session: Session) -> None:
    """Last thing before COMMIT, so on PostgreSQL the row lock on the counter is the last lock
    a writer takes and is held only for the commit itself: writers cannot deadlock on it.
    A savepoint's release is not the end: its writes are noted and counted at the real commit."""
    if session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(WROTE, False):
        session.connection().execute(
            update(ContentVersion.__table__)
            .where(ContentVersion.id == 1)
            .values(value=ContentVersion.value + 1)
        )


@event.listens_for(Session, "after_transaction_end")
def forget_writes(session: Session, transaction) -> None:
    """The outermost transaction ended (a commit has already counted its writes); a savepoint's
    end keeps the flag for the writes made before it."""
    if transaction.parent is None:
        session.info.pop(WROTE, None)
