from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Role
from hub.extensions import db
from hub.forum.models import Answer, Category, Comment, Flag, ModerationLog, Question


def log_actions():
    return [(e.action, e.target_type, e.reason) for e in db.session.scalars(select(ModerationLog))]


def test_member_flags_and_coordinator_sees_it(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    assert (
        post(
            f"/fragor/{question.id}/flagga",
            {"target_type": "question", "target_id": str(question.id), "reason": ""},
        ).status_code
        == 400
    )
    response = post(
        f"/fragor/{question.id}/flagga",
        {"target_type": "question", "target_id": str(question.id), "reason": "Reklam"},
    )
    assert response.status_code == 303
    assert client.get("/moderering").status_code == 403
    login(create_user(role=Role.COORDINATOR, name="Samir Samordnare"))
    page = client.get("/moderering")
    assert page.status_code == 200 and "Reklam" in page.text
    flag = db.session.scalar(select(Flag))
    post(f"/moderering/flaggor/{flag.id}/klar", {"reason": "Borttaget"}, page="/moderering")
    db.session.refresh(flag)
    assert flag.resolved_at is not None
    assert ("resolve_flag", "question", "Borttaget") in log_actions()
    page = client.get("/moderering")
    assert "Inga anmälningar att titta på." in page.text and "Samir Samordnare" in page.text


def test_member_cannot_moderate(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    assert post(f"/moderering/fragor/{question.id}/hide", {"reason": "x"}).status_code == 403


def test_hide_unhide_lock_pin_are_logged(client, login, create_user, create_question, post):
    asker = create_user()
    question = create_question(asker, title="En fråga att moderera")
    login(create_user(role=Role.ADMIN))
    for action in ("hide", "lock", "pin"):
        assert (
            post(
                f"/moderering/fragor/{question.id}/{action}", {"reason": f"för {action}"}
            ).status_code
            == 303
        )
    db.session.refresh(question)
    assert question.hidden and question.locked and question.pinned
    login(asker)
    assert client.get(f"/fragor/{question.id}/x").status_code == 404  # hidden from members
    assert "En fråga att moderera" not in client.get("/fragor").text
    login(create_user(role=Role.COORDINATOR))
    assert (
        post(f"/moderering/fragor/{question.id}/unhide", {"reason": "ok igen"}).status_code == 303
    )
    assert post(f"/moderering/fragor/{question.id}/bogus").status_code == 400
    assert [a for a, _t, _r in log_actions()] == ["hide", "lock", "pin", "unhide"]
    assert ("lock", "question", "för lock") in log_actions()


def test_hide_answer_updates_count(
    client, login, create_user, create_question, create_answer, post
):
    question = create_question(create_user())
    answer = create_answer(question, create_user(), "Ett olämpligt svar")
    login(create_user(role=Role.COORDINATOR))
    post(f"/moderering/svar/{answer.id}/hide", {"reason": "Olämpligt"})
    db.session.refresh(question)
    assert question.answer_count == 0
    login(create_user())
    page = client.get(client.get(f"/fragor/{question.id}").location)
    assert "Ett olämpligt svar" not in page.text


def test_move_question(client, login, create_user, create_question, post):
    question = create_question(create_user())
    other = Category(slug="etik", name="Etik och integritet", position=2)
    db.session.add(other)
    db.session.commit()
    login(create_user(role=Role.COORDINATOR))
    response = post(
        f"/moderering/fragor/{question.id}/flytta",
        {"category": str(other.id), "move_reason": "Fel kategori"},
    )
    assert response.status_code == 303
    db.session.refresh(question)
    assert question.category_id == other.id
    entry = db.session.scalar(select(ModerationLog))
    assert entry.action == "move" and "Etik och integritet" in entry.detail


def test_merge_moves_answers_and_redirects(
    client, login, create_user, create_question, create_answer, post
):
    original = create_question(create_user(), title="Hur kopplar man upp trygghetslarm?")
    duplicate = create_question(create_user(), title="Trygghetslarm uppkoppling, hjälp")
    answer = create_answer(duplicate, create_user(), "Ring leverantören.")
    db.session.add(Comment(question_id=duplicate.id, author_id=answer.author_id, body="Kommentar"))
    db.session.commit()
    login(create_user(role=Role.COORDINATOR))
    response = post(
        f"/moderering/fragor/{duplicate.id}/sla-ihop",
        {"target": str(original.id), "merge_reason": "Dubblett"},
    )
    assert response.status_code == 303
    db.session.refresh(original)
    db.session.refresh(duplicate)
    assert db.session.get(Answer, answer.id).question_id == original.id
    assert original.answer_count == 1 and duplicate.merged_into_id == original.id
    redirect = client.get(f"/fragor/{duplicate.id}/x")
    assert redirect.status_code == 301 and redirect.location.endswith(f"/fragor/{original.id}")
    assert ("merge", "question", "Dubblett") in log_actions()
    response = post(f"/moderering/fragor/{original.id}/sla-ihop", {"target": str(original.id)})
    assert response.status_code == 400


def test_moderator_deletes_someone_elses_comment(client, login, create_user, create_question, post):
    question = create_question(create_user())
    comment = Comment(question_id=question.id, author_id=question.author_id, body="Spam spam")
    db.session.add(comment)
    db.session.commit()
    login(create_user(role=Role.COORDINATOR))
    assert post(f"/moderering/kommentarer/{comment.id}/dolj", {"reason": "Spam"}).status_code == 303
    db.session.refresh(comment)
    assert comment.deleted_at is not None
    assert ("hide", "comment", "Spam") in log_actions()
    assert db.session.get(Question, question.id) is not None


def test_flags_and_asks_to_answer_are_limited(app, client, create_user, login):
    """Finding 2/8: every action that sends mail has a brake, with a Swedish 429 page."""
    from hub.forum import activity, moderation
    from tests.conftest import csrf_token

    member = create_user()
    category = Category(slug="limits", name="Gränser")
    db.session.add(category)
    db.session.flush()
    question = Question(
        author_id=create_user().id,
        category_id=category.id,
        title="Hur gör ni med larmen?",
        body_source="Hur?",
        body_html="<p>Hur?</p>",
    )
    db.session.add(question)
    db.session.commit()
    login(member)
    for _ in range(moderation.FLAG_LIMITS[0][0]):
        moderation.create_flag(member, question, "question", question.id, "Fel")
    db.session.commit()
    page = client.get("/installningar")
    refused = client.post(
        f"/fragor/{question.id}/flagga",
        data={
            "csrf_token": csrf_token(page.text),
            "reason": "Fel igen",
            "target_type": "question",
            "target_id": str(question.id),
        },
    )
    assert refused.status_code == 429 and "anmält många" in refused.text
    colleagues = [create_user(name=f"Kollega Nummer{n}") for n in range(11)]
    for colleague in colleagues[:10]:
        assert activity.ask_to_answer(question, member, colleague)
    db.session.commit()
    refused = client.post(
        f"/fragor/{question.id}/be-svara",
        data={"csrf_token": csrf_token(page.text), "name": colleagues[10].name},
    )
    assert refused.status_code == 429 and "många kollegor" in refused.text
