"""What every signed-in page pays: the member and their unread count are one statement
(``hub.auth.accounts.load_user`` with ``hub.notifications.unread``)."""

from __future__ import annotations

from flask import g
from flask_login import login_user

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
