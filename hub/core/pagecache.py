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

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from hub.core.models import ContentVersion
from hub.core.security import csp_nonce
from hub.extensions import db

# NUL never reaches a page (it is stripped from every form), so these cannot occur in content.
CSRF_HOLE = "\x00csrf\x00"
NONCE_HOLE = "\x00nonce\x00"
WROTE = "hub_wrote_content"  # Session.info flag: this transaction changed something


class PageStore:
    """At most ``megabytes`` of pages, least recently used out first, none older than
    ``seconds``; safe for the threaded development server."""

    def __init__(self, megabytes: int, seconds: float) -> None:
        self._pages: TTLCache[tuple, str] = TTLCache(
            maxsize=megabytes * 1024 * 1024, ttl=seconds, getsizeof=len
        )
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            return self._pages.get(key)

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            if len(html) <= self._pages.maxsize:  # a larger page is simply not kept
                self._pages[key] = html


def register(app: Flask) -> None:
    if app.config["PAGE_CACHE_MB"] > 0:
        app.extensions["page_cache"] = PageStore(
            app.config["PAGE_CACHE_MB"], app.config["PAGE_CACHE_SECONDS"]
        )


def cached_page(on_hit: Callable[..., None] | None = None) -> Callable:
    """Serve a GET view from the page cache when it can; ``on_hit`` gets the view's arguments
    and does what the view must do even when its page comes from memory (count a view)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            store = current_app.extensions.get("page_cache")
            key = page_key() if store is not None and may_use_cache() else None
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

        return wrapper

    return decorate


def may_use_cache() -> bool:
    """A flashed message must be shown (and used up) by a real render."""
    return request.method == "GET" and "_flashes" not in session


def page_key() -> tuple | None:
    version = db.session.scalar(select(ContentVersion.value).where(ContentVersion.id == 1))
    if version is None:
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
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "before_commit")
def raise_content_version(session: Session) -> None:
    """Last thing before COMMIT, so on PostgreSQL the row lock on the counter is the last lock
    a writer takes and is held only for the commit itself: writers cannot deadlock on it."""
    session.flush()
    if session.info.pop(WROTE, False):
        session.connection().execute(
            update(ContentVersion.__table__)
            .where(ContentVersion.id == 1)
            .values(value=ContentVersion.value + 1)
        )


@event.listens_for(Session, "after_rollback")
def forget_writes(session: Session) -> None:
    session.info.pop(WROTE, None)
