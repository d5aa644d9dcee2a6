from __future__ import annotations

from sqlalchemy import func, select

from hub.auth.models import Role
from hub.extensions import db
from hub.forum.models import Comment


def test_most_helpful_and_unanswered_sorts(client, login, create_user, create_question):
    user = create_user()
    create_question(user, title="Lite hjälpsam fråga om Teams", helpful_count=1, answer_count=1)
    create_question(user, title="Mycket hjälpsam fråga om lås", helpful_count=9, answer_count=2)
    create_question(user, title="Obesvarad fråga om larm")
    login(user)
    helpful = client.get("/fragor?sort=helpful").text
    assert helpful.index("Mycket hjälpsam") < helpful.index("Lite hjälpsam")
    unanswered = client.get("/fragor?sort=unanswered").text
    assert "Obesvarad fråga om larm" in unanswered and "Mycket hjälpsam" not in unanswered


def test_double_submit_comment_saved_once(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    for _ in range(2):
        post(f"/fragor/{question.id}/kommentar", {"body": "Samma kommentar"})
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_hidden_answer_revisions_stay_hidden(
    client, login, create_user, create_question, create_answer, post
):
    author = create_user()
    question = create_question(create_user())
    answer = create_answer(question, author, "Hemlig första version")
    login(author)
    post(f"/svar/{answer.id}/redigera", {"body": "Ny version av svaret"})
    answer.hidden = True
    db.session.commit()
    login(create_user())
    assert "Hemlig första version" not in client.get(f"/fragor/{question.id}/versioner").text
    login(create_user(role=Role.COORDINATOR))
    assert "Hemlig första version" in client.get(f"/fragor/{question.id}/versioner").text


def test_moderator_sees_hidden_question_with_notice(client, login, create_user, create_question):
    question = create_question(create_user(), hidden=True)
    login(create_user(role=Role.ADMIN))
    page = client.get(client.get(f"/fragor/{question.id}").location)
    assert page.status_code == 200 and "Frågan är dold för medlemmar." in page.text


def test_anonymous_is_sent_to_login(client, create_user, create_question):
    question = create_question(create_user())
    for path in ("/fragor", f"/fragor/{question.id}", "/fragor/ny", "/notiser", "/moderering"):
        response = client.get(path)
        assert response.status_code == 302 and "/logga-in" in response.location, path


def test_answering_unknown_or_deleted_question_is_404(
    client, login, create_user, create_question, post
):
    from hub.core.db import utcnow

    question = create_question(create_user(), deleted_at=utcnow())
    login(create_user())
    assert post(f"/fragor/{question.id}/svar", {"body": "Hej hej"}).status_code == 404
    assert post("/fragor/999999/svar", {"body": "Hej hej"}).status_code == 404
