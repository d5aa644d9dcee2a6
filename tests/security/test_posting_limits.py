"""Posting limits: questions and posts per member and hour, counted in the database; past the
limit a Swedish 429 page that keeps the text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.core import ratelimit
from hub.extensions import db
from hub.forum.models import Answer, Question
from tests.security.conftest import World, sign_in

LIMITED = "Du har skrivit väldigt mycket den senaste timmen"


def ask(app, client, token, world: World, n: int):
    return client.post(
        "/fragor/ny",
        data={
            "csrf_token": token,
            "title": f"Fråga nummer {n} om läsplattor",
            "body": f"Hur gör ni med läsplattorna, del {n}?",
            "category": str(world.ids["category_id"]),
            "tags": "",
        },
    )


def test_questions_per_hour(app, world: World):
    app.config["POSTING_LIMIT_QUESTIONS_PER_HOUR"] = 3
    client = app.test_client()
    token = sign_in(app, client, world.users["holder"].get_id())
    for n in range(3):
        assert ask(app, client, token, world, n).status_code == 303
    refused = ask(app, client, token, world, 99)
    assert refused.status_code == 429
    assert LIMITED in refused.text
    assert "Hur gör ni med läsplattorna, del 99?" in refused.text  # the text is kept
    mine = select(func.count()).where(Question.author_id == world.users["holder"].id)
    assert db.session.scalar(mine) == 3
    # Another member is not affected.
    other = app.test_client()
    other_token = sign_in(app, other, world.users["coordinator"].get_id())
    assert ask(app, other, other_token, world, 100).status_code == 303


def test_answers_and_comments_share_the_hourly_post_limit(app, world: World):
    app.config["POSTING_LIMIT_PER_HOUR"] = 3
    client = app.test_client()
    token = sign_in(app, client, world.users["coordinator"].get_id())
    question = world.format("/fragor/{question_id}")
    for n in range(2):
        response = client.post(
            f"{question}/svar", data={"csrf_token": token, "body": f"Svar nummer {n}."}
        )
        assert response.status_code == 303
    comment = client.post(f"{question}/kommentar", data={"csrf_token": token, "body": "Tack!"})
    assert comment.status_code == 303
    refused = client.post(f"{question}/svar", data={"csrf_token": token, "body": "Ett svar till."})
    assert refused.status_code == 429
    assert LIMITED in refused.text and "Ett svar till." in refused.text
    refused = client.post(f"{question}/kommentar", data={"csrf_token": token, "body": "Igen!"})
    assert refused.status_code == 429
    mine = select(func.count()).where(Answer.author_id == world.users["coordinator"].id)
    assert db.session.scalar(mine) == 2


def test_the_limit_is_per_hour(app, world: World, monkeypatch):
    app.config["POSTING_LIMIT_QUESTIONS_PER_HOUR"] = 1
    client = app.test_client()
    token = sign_in(app, client, world.users["holder"].get_id())
    assert ask(app, client, token, world, 1).status_code == 303
    assert ask(app, client, token, world, 2).status_code == 429
    later = ratelimit.utcnow() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: later)
    assert ask(app, client, token, world, 3).status_code == 303


def test_the_429_page_is_in_swedish(app, client):
    from hub.core.errors import render_error

    with app.test_request_context():
        body, status = render_error(429)
    assert status == 429 and "För många försök" in body
