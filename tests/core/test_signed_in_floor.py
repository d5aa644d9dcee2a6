"""What every signed-in page pays: the member and their unread count are one statement
(``hub.auth.accounts.load_user`` with ``hub.notifications.unread``)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g
from flask.templating import _default_template_ctx_processor
from flask_login import login_user
from sqlalchemy import inspect, select

from hub.auth.accounts import load_user
from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.notifications.models import Notification
from hub.notifications.unread import unread_notification_count


def notify(user, n: int, *, read: bool = False) -> None:
    for i in range(n):
        db.session.add(
            Notification(
                user_id=user.id,
                kind="answer",
                text=f"Svar {i}",
                url="/fragor",
                read_at=utcnow() if read else None,
            )
        )
    db.session.commit()


def test_a_signed_in_static_page_costs_one_statement(client, login, create_user, count_queries):
    member = create_user()
    notify(member, 2)
    notify(member, 1, read=True)
    login(member)
    client.get("/personuppgifter")  # the CSRF token made and kept in the session

    with count_queries() as counter:
        page = client.get("/personuppgifter")

    assert counter.count == 1
    assert '<span class="badge">2<' in page.text


def test_a_member_signed_in_otherwise_gets_the_count_all_the_same(app, create_user):
    member = create_user()
    notify(member, 3)
    with app.test_request_context("/personuppgifter"):
        login_user(member)  # not through the loader, which reads the count with the member
        assert "unread_notifications" not in g
        assert unread_notification_count() == 3


def test_the_member_made_from_the_row_is_the_sessions_own(app, create_user):
    """``load_user`` reads a Core row; the instance made from it behaves as one a query loaded:
    in the session, unchanged, its values typed, its changes flushed."""
    member = create_user(name="Kim Rad")
    member.last_seen_on = date(2026, 12, 1)
    db.session.flush()
    member_id, created_at = member.get_id(), member.created_at
    db.session.expunge_all()  # not in the identity map: made from the row

    loaded = load_user(member_id)

    state = inspect(loaded)
    assert state.persistent and not state.modified and state.session is db.session()
    assert state.key == inspect(User).identity_key_from_primary_key((loaded.id,))
    assert loaded.created_at == created_at and loaded.created_at.tzinfo is not None
    assert loaded.last_seen_on == date(2026, 12, 1) and loaded.active is True
    assert db.session.get(User, loaded.id) is loaded  # no second instance of the member
    assert load_user(member_id) is loaded
    db.session.expire(loaded, ["name"])
    assert loaded.name == "Kim Rad"  # expired and read again, as any loaded instance
    loaded.name = "Kim Rad Nyman"
    db.session.flush()
    db.session.expire_all()
    assert db.session.scalar(select(User.name_key).where(User.id == loaded.id)) == loaded.name_key


def test_blueprint_pages_run_flasks_default_context_processor_once(app):
    for name, processors in app.template_context_processors.items():
        if name is not None:
            assert _default_template_ctx_processor not in processors, name


@pytest.mark.parametrize("listening", [False, True])
def test_a_member_made_from_the_row_with_a_load_listener_is_attached_the_documented_way(
    app, create_user, monkeypatch, listening
):
    """Loading attaches without ``Session.add``; with a load listener on the model the instance
    goes through ``make_transient_to_detached`` and ``add`` instead (the listener is not called:
    nothing was loaded through the ORM), and is the same kind either way."""
    from sqlalchemy import event

    from hub.core import db as core_db

    member = create_user()
    member_id = member.get_id()
    db.session.expunge_all()
    detached, added, heard = [], [], []
    documented, session_class = core_db.make_transient_to_detached, type(db.session())
    session_add = session_class.add

    def to_detached(instance) -> None:
        detached.append(instance)
        documented(instance)

    def add(session, instance, **options) -> None:
        added.append(instance)
        session_add(session, instance, **options)

    def loaded(target, _context) -> None:
        heard.append(target)

    monkeypatch.setattr(core_db, "make_transient_to_detached", to_detached)
    monkeypatch.setattr(session_class, "add", add)
    if listening:
        event.listen(User, "load", loaded)
    try:
        made = load_user(member_id)
    finally:
        if listening:
            event.remove(User, "load", loaded)

    state = inspect(made)
    assert state.persistent and not state.modified and db.session.get(User, made.id) is made
    assert detached == added == ([made] if listening else [])
    assert heard == []


def test_the_reading_connection_is_the_sessions_own_while_its_transaction_lasts(app):
    """``reading_connection`` asks the session once per transaction; inside a savepoint it asks
    each time, so that the savepoint is begun before its first statement."""
    from sqlalchemy import event, text

    from hub.core.db import READING_CONNECTION, reading_connection

    first = reading_connection()
    assert first is db.session.connection() and reading_connection() is first
    sent: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.session.begin_nested():
            reading_connection().execute(text("SELECT 1"))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sent[0].startswith("SAVEPOINT") and sent[1] == "SELECT 1"
    db.session.commit()
    assert READING_CONNECTION not in db.session.info  # the transaction's end forgets it
    assert reading_connection() is db.session.connection()
