"""Digests for a whole network of 2,000 members, each with excerpts of what was written, answer
links for a meeting and questions from followed categories: the statements per batch stay fixed,
however many members and however big the batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from hub.auth.models import User
from hub.digests.run import run_digests
from hub.extensions import db
from hub.forum.models import Follow
from hub.mail.models import OutboxMessage
from hub.notifications.models import Notification
from tests.digests.conftest import IN_THE_WEEK, MONDAY

MEMBERS = 2000
DUE = MONDAY + timedelta(minutes=5)


def members(count: int, start: int) -> list[int]:
    """``count`` Laholm members in one executemany (2,000 single commits would take minutes)."""
    db.session.execute(
        insert(User),
        [
            {
                "email": f"medlem{n}@laholm.se",
                "name": f"Medlem {n}",
                "password_hash": None,
                "email_confirmed_at": IN_THE_WEEK - timedelta(days=30),
                "created_at": IN_THE_WEEK - timedelta(days=30),
                "municipality_code": "1381",
            }
            for n in range(start, start + count)
        ],
    )
    return list(
        db.session.scalars(
            select(User.id).where(User.email.like("medlem%@laholm.se")).order_by(User.id)
        )
    )[-count:]


def news_for(user_ids: list[int], forum, category, answer) -> None:
    """Each member follows the category and was mentioned in an answer (a digest excerpt)."""
    db.session.execute(
        insert(Follow),
        [{"user_id": u, "target_type": "category", "target_id": category.id} for u in user_ids],
    )
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": u,
                "kind": "follow",
                "text": "Nytt svar i en fråga du följer",
                "url": f"/fragor/{answer.question_id}",
                "created_at": IN_THE_WEEK,
                "post_type": "answer",
                "post_id": answer.id,
            }
            for u in user_ids
        ],
    )


@pytest.mark.slow  # ~20 s: 2,400 digests composed and rendered; ./scripts/test runs it
def test_two_thousand_members_with_excerpts_cost_the_same_statements_per_batch(
    forum, create_network, count_queries
):
    category = forum.category()
    author = None
    question = forum.question("Hur laddar ni surfplattorna?", category=category, author=author)
    answer = forum.answer(question)
    answer.body_source = "Vi laddar dem i **personalrummet** varje natt. " * 10
    network = create_network(codes=("1381", "1380"))
    network.baton_holder_code = "1381"
    forum.meeting(network, starts_at=MONDAY + timedelta(days=10), title="Höstträffen")
    few = members(200, 0)
    news_for(few, forum, category, answer)
    db.session.commit()

    with count_queries() as one_batch:
        assert run_digests(DUE, batch_size=MEMBERS).sent == 200

    many = members(MEMBERS, 200)
    news_for(many, forum, category, answer)
    db.session.commit()
    later = DUE + timedelta(days=7)  # the next week's digest: the 200 again, and the 2,000
    forum.question("En ny fråga", category=category, created_at=later - timedelta(days=2))
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": u,
                "kind": "follow",
                "text": "Nytt svar i en fråga du följer",
                "url": f"/fragor/{answer.question_id}",
                "created_at": later - timedelta(days=2),
                "post_type": "answer",
                "post_id": answer.id,
            }
            for u in few + many
        ],
    )
    db.session.commit()
    with count_queries() as big_batch:
        assert run_digests(later, batch_size=MEMBERS + 200).sent == MEMBERS + 200
    assert big_batch.count == one_batch.count, (one_batch.statements, big_batch.statements)
    assert big_batch.count <= 25

    # Each mail carries the excerpt, who wrote it, and the meeting's answer links.
    sample = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "digest")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert "Vi laddar dem i personalrummet varje natt." in sample.body_text
    assert "**" not in sample.body_text
    assert sample.body_text.count("/handling/") == 3
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 200 + MEMBERS + 200
