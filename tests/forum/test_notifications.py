from __future__ import annotations

from sqlalchemy import func, select

from hub.extensions import db
from hub.forum.models import AskToAnswer
from hub.notifications.models import Notification


def notes_for(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def test_mention_in_answer_notifies_named_member(client, login, create_user, create_question, post):
    anna = create_user(name="Anna Karlsson")
    create_user(name="Anna Berg")
    question = create_question(create_user())
    login(create_user(name="Omar Ali"))
    post(f"/fragor/{question.id}/svar", {"body": "Fråga @Anna Karlsson, hon kan digitala lås."})
    [note] = notes_for(anna, "mention")
    assert "Omar Ali" in note.text
    assert (
        db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "mention"))
        == 1
    )


def test_mention_in_comment_and_question(client, login, create_user, category, post):
    sara = create_user(name="Sara Öberg")
    login(create_user())
    post(
        "/fragor/ny",
        {
            "title": "Vem kan Teams bäst i nätverket?",
            "category": str(category.id),
            "body": "Jag tänkte på @Sara Öberg som visade det sist.",
            "tags": "",
        },
    )
    assert len(notes_for(sara, "mention")) == 1


def test_follow_question_tag_category_get_activity(
    client, login, create_user, create_tag, category, create_question, post
):
    tag_fan, category_fan, question_fan = create_user(), create_user(), create_user()
    tag = create_tag("Trygghetslarm")
    login(tag_fan)
    post(f"/folj/tag/{tag.id}")
    login(category_fan)
    post(f"/folj/category/{category.id}")
    login(create_user())
    response = post(
        "/fragor/ny",
        {
            "title": "Trygghetslarm som inte larmar",
            "category": str(category.id),
            "body": "Larmet går inte fram på natten.",
            "tags": "Trygghetslarm",
        },
    )
    question_id = int(response.location.split("/")[2])
    assert len(notes_for(tag_fan, "follow")) == 1
    assert len(notes_for(category_fan, "follow")) == 1
    login(question_fan)
    post(f"/folj/question/{question_id}")
    login(create_user())
    post(f"/fragor/{question_id}/svar", {"body": "Kolla batteriet först."})
    assert len(notes_for(question_fan, "follow")) == 1


def test_nobody_is_notified_of_own_action(client, login, create_user, create_question, post):
    asker = create_user()
    question = create_question(asker)
    login(asker)
    post(f"/fragor/{question.id}/svar", {"body": "Jag svarar själv."})
    assert notes_for(asker) == []


def test_ask_to_answer_and_who_can_answer(
    client, login, create_user, create_tag, give_expertise, create_question, post
):
    tag = create_tag("Läkemedelsrobot")
    experts = [create_user(name=f"Expert Nummer{i}") for i in range(7)]
    for expert in experts:
        give_expertise(expert, tag)
    asker = create_user()
    give_expertise(asker, tag)
    question = create_question(asker, tags=[tag])
    login(create_user(name="Lisa Frågvis"))
    page = client.get(f"/fragor/{question.id}/{'x'}")
    page = client.get(page.location)
    assert "Vem kan svara?" in page.text
    assert page.text.count('<li class="expert">') == 5
    assert asker.name not in page.text.split("Vem kan svara?")[1].split("Be en kollega")[0]
    response = post(f"/fragor/{question.id}/be-svara", {"name": "expert nummer3"})
    assert response.status_code == 303
    [note] = notes_for(experts[3], "ask_to_answer")
    assert "Lisa Frågvis" in note.text
    post(f"/fragor/{question.id}/be-svara", {"name": "Expert Nummer3"})  # asked once only
    assert db.session.scalar(select(func.count(AskToAnswer.id))) == 1
    response = post(f"/fragor/{question.id}/be-svara", {"name": "Finns Inte"})
    assert response.status_code == 400
    assert "Vi hittar ingen medlem" in response.text and "Finns Inte" in response.text


def test_people_json_for_autocomplete(client, login, create_user):
    create_user(name="Zeynep Yilmaz")
    login(create_user())
    response = client.get("/fragor/personer.json?q=zey")
    assert response.status_code == 200
    assert [p["name"] for p in response.json] == ["Zeynep Yilmaz"]
    assert client.get("/fragor/personer.json?q=%25").json == []


def test_notification_list_unread_count_and_mark_read(
    client, login, create_user, create_question, post
):
    asker = create_user()
    question = create_question(asker)
    login(create_user())
    post(f"/fragor/{question.id}/svar", {"body": "Ett första svar."})
    post(f"/fragor/{question.id}/svar", {"body": "Ett andra svar."})
    login(asker)
    page = client.get("/notiser")
    assert page.status_code == 200
    assert '<span class="badge">2' in page.text
    note = notes_for(asker)[0]
    response = post(f"/notiser/{note.id}/las", page="/notiser")
    assert response.status_code == 303 and response.location.startswith(f"/fragor/{question.id}/")
    assert '<span class="badge">1' in client.get("/notiser").text
    post("/notiser/las-alla", page="/notiser")
    assert 'class="badge"' not in client.get("/notiser").text


def test_cannot_read_someone_elses_notification(client, login, create_user, post):
    owner = create_user()
    db.session.add(Notification(user_id=owner.id, kind="answer", text="x", url="/fragor"))
    db.session.commit()
    note = notes_for(owner)[0]
    login(create_user())
    assert post(f"/notiser/{note.id}/las", page="/notiser").status_code == 404
