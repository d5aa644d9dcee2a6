"""A member who chose "hide me from the directory" is found nowhere else either, and contact
details follow each person's own choice in every export (regressions of issue #13)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.forum.models import AskToAnswer, Category
from hub.notifications.models import Notification
from tests.conftest import csrf_token


@pytest.fixture
def people(create_person, create_user, login):
    hidden = create_person(name="Hedda Hemlig", tags=("Läsplattor",), hidden=True)
    shown = create_person(name="Vera Synlig", tags=("Läsplattor",))
    asker = create_user(name="Åke Frågare")
    db.session.add(Category(slug="vardag", name="Vardag"))
    db.session.commit()
    login(asker)
    return hidden, shown


@pytest.fixture
def question(client, people) -> str:
    """The new question's address."""
    category = db.session.scalar(select(Category).where(Category.slug == "vardag"))
    token = csrf_token(client.get("/fragor/ny").text)
    response = client.post(
        "/fragor/ny",
        data={
            "title": "Hur laddar ni läsplattorna på natten?",
            "body": "Vi har tio plattor och ett uttag.",
            "category": category.id,
            "tags": "Läsplattor",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def test_hidden_member_is_not_in_the_site_search(client, people):
    assert "Vera Synlig" in client.get("/sok?q=Vera").text
    assert "Hedda Hemlig" not in client.get("/sok?q=Hedda").text


def test_hidden_member_is_not_among_those_who_can_answer(client, question):
    page = client.get(question).text
    assert "Vera Synlig" in page
    assert "Hedda Hemlig" not in page


def test_hidden_member_is_not_offered_by_autocomplete(client, people):
    assert [p["name"] for p in client.get("/fragor/personer.json?q=Ver").json] == ["Vera Synlig"]
    assert client.get("/fragor/personer.json?q=Hed").json == []


def test_hidden_member_cannot_be_mentioned(client, people, question):
    hidden, shown = people
    page = client.get(question).text
    client.post(
        question.rsplit("/", 1)[0] + "/svar",
        data={"body": "Fråga @Vera Synlig och @Hedda Hemlig!", "csrf_token": csrf_token(page)},
    )
    notified = set(db.session.scalars(select(Notification.user_id)))
    assert shown.id in notified
    assert hidden.id not in notified


def test_asking_a_hidden_member_to_answer_does_not_confirm_they_exist(client, people, question):
    page = client.get(question).text
    response = client.post(
        question.rsplit("/", 1)[0] + "/be-svara",
        data={"name": "Hedda Hemlig", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 400
    assert "Vi hittar ingen medlem med exakt det namnet." in response.text
    assert db.session.scalar(select(AskToAnswer.id)) is None
