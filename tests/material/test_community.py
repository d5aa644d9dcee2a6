"""Material in the network's life: helpful marks, the discussion, meeting agendas, the digest
and the start page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.digests.run import run_digests
from hub.extensions import db
from hub.forum.models import Category, Question
from hub.mail.models import OutboxMessage
from hub.material.community import material_on_agenda
from hub.material.models import MaterialItem
from tests.conftest import csrf_token
from tests.digests.conftest import IN_THE_WEEK, MONDAY
from tests.factories import make_meeting


def howto(author, title: str = "Så laddar ni läsplattorna", **fields) -> MaterialItem:
    item = MaterialItem(
        kind="howto",
        title=title,
        summary="Steg för steg.",
        licence="cc-by",
        body_source="Ladda dem varje natt.",
        body_html="<p>Ladda dem varje natt.</p>",
        author_id=author.id,
        **fields,
    )
    db.session.add(item)
    db.session.commit()
    return item


def post(client, url: str, data: dict | None = None):
    token = csrf_token(client.get("/material").text)
    return client.post(url, data={"csrf_token": token, **(data or {})})


def test_helpful_marks_toggle_and_sort_the_list(client, login, create_user):
    member = create_user()
    first, second = howto(member, "Första lathunden"), howto(member, "Andra lathunden")
    login(member)
    assert post(client, f"/material/{second.id}/hjalpsamt").status_code == 303
    assert db.session.get(MaterialItem, second.id).helpful_count == 1
    assert 'aria-pressed="true"' in client.get(f"/material/{second.id}").text
    listing = client.get("/material?sort=helpful").text
    assert listing.index("Andra lathunden") < listing.index("Första lathunden")
    post(client, f"/material/{second.id}/hjalpsamt")
    assert db.session.get(MaterialItem, second.id).helpful_count == 0
    assert first.helpful_count == 0


def test_the_discussion_is_one_forum_question_made_on_demand(client, login, create_user):
    member = create_user()
    item = howto(member)
    login(member)
    response = post(client, f"/material/{item.id}/diskussion")
    assert response.status_code == 303
    assert "Det finns ingen kategori" in client.get(f"/material/{item.id}").text

    db.session.add(Category(slug="material", name="Material"))
    db.session.commit()
    response = post(client, f"/material/{item.id}/diskussion")
    question_id = db.session.get(MaterialItem, item.id).question_id
    assert response.headers["Location"].endswith(f"/fragor/{question_id}")
    question = db.session.get(Question, question_id)
    assert question.title == "Samtal om: Så laddar ni läsplattorna"
    assert f"/material/{item.id}" in question.body_html
    again = post(client, f"/material/{item.id}/diskussion")
    assert again.headers["Location"].endswith(f"/fragor/{question_id}")
    assert db.session.query(Question).count() == 1
    assert "Till samtalet om materialet" in client.get(f"/material/{item.id}").text


def test_a_meeting_agenda_lists_material_and_the_item_shows_the_meeting(
    app, client, login, create_user, create_network
):
    host = create_user(municipality_code="1383")
    network = create_network(codes=("1383", "1381"))
    meeting = make_meeting(network, host_code="1383", title="Vinterträffen", created_by_id=host.id)
    item = howto(host)
    login(host)
    page = client.get(f"/material/{item.id}").text
    assert "Vinterträffen" in page  # offered in the agenda form
    response = post(client, f"/material/{item.id}/traffar", {"meeting": str(meeting.id)})
    assert response.status_code == 303
    again = post(client, f"/material/{item.id}/traffar", {"meeting": str(meeting.id)})
    assert again.status_code == 303  # a double click: listed once
    assert len(material_on_agenda(meeting.id, host)) == 1
    page = client.get(f"/material/{item.id}").text
    assert f'href="/traffar/{meeting.id}"' in page
    assert f'href="/material/{item.id}"' in client.get(f"/traffar/{meeting.id}").text

    assert post(client, f"/material/{item.id}/traffar/{meeting.id}/ta-bort").status_code == 303
    assert f'href="/material/{item.id}"' not in client.get(f"/traffar/{meeting.id}").text


def test_outsiders_cannot_put_material_on_an_agenda(client, login, create_user, create_network):
    network = create_network(codes=("1383",))
    meeting = make_meeting(network, host_code="1383", title="Varbergs träff")
    member = create_user(municipality_code="1381")
    item = howto(member)
    login(member)
    response = post(client, f"/material/{item.id}/traffar", {"meeting": str(meeting.id)})
    assert response.status_code == 400
    assert post(client, f"/material/{item.id}/traffar/{meeting.id}/ta-bort").status_code == 403


def test_new_material_is_in_the_digest_and_on_the_start_page(client, login, create_user):
    member = create_user()
    howto(member, "Lathund från veckan", created_at=IN_THE_WEEK)
    howto(member, "Gammal lathund", created_at=IN_THE_WEEK - timedelta(days=30))
    run = run_digests(MONDAY + timedelta(minutes=5))
    assert run.sent >= 1
    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.user_id == member.id, OutboxMessage.kind == "digest"
        )
    )
    assert "Nytt material" in mail.body_text and "Lathund från veckan" in mail.body_text
    assert "Gammal lathund" not in mail.body_text
    assert "Lathund från veckan" in mail.body_html

    login(member)
    start = client.get("/").text
    assert "Nytt material" in start and "Lathund från veckan" in start
