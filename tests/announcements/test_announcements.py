"""Announcements: a coordinator writes to the network's members; each gets it once, by mail at
once, in the digest or only on the page, as they chose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.digests.run import preview_digest
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import set_preferences
from hub.notifications.models import Notification
from tests.conftest import csrf_token


@pytest.fixture
def people(create_user, create_network):
    people = {
        "coordinator": create_user(role=Role.COORDINATOR, municipality_code="1380"),
        "mail": create_user(municipality_code="1381"),
        "digest": create_user(municipality_code="1383"),
        "never": create_user(municipality_code="1381"),
        "unconfirmed": create_user(municipality_code="1381", confirmed=False),
        "inactive": create_user(municipality_code="1381", active=False),
        "outsider": create_user(municipality_code="0180"),
        "other_coordinator": create_user(role=Role.COORDINATOR, municipality_code="0180"),
    }
    people["network"] = create_network(
        codes=("1381", "1383", "1380"), coordinators=[people["coordinator"]]
    )
    create_network(codes=("0180",), coordinators=[people["other_coordinator"]])
    set_preferences(people["digest"].id, announcements="digest")
    set_preferences(people["never"].id, announcements="never")
    db.session.commit()
    return people


def send(client, slug: str, body: str):
    url = f"/natverk/{slug}/meddelanden"
    return client.post(url, data={"body": body, "csrf_token": csrf_token(client.get(url).text)})


def notified(kind: str = "announcement") -> list[int]:
    return list(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_each_member_gets_it_once_as_they_chose(client, login, people):
    login(people["coordinator"])
    slug = people["network"].slug
    response = send(client, slug, "Hej alla! **Nästa träff** är i Laholm.")
    assert response.status_code == 302
    assert "skickat till 3 medlemmar" in client.get(response.location).text
    # Members in the network with a confirmed, active account; not the author, not outsiders.
    expected = sorted(people[k].id for k in ("mail", "digest", "never"))
    assert sorted(notified()) == expected

    assert send_notification_emails() == 1
    assert send_notification_emails() == 0  # a second run (or worker) sends nothing again
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.startswith("notification"))
    ).all()
    assert [(m.to_address, m.kind) for m in mails] == [
        (people["mail"].email, "notification_announcements")
    ]
    assert "Nästa träff" in mails[0].body_text
    assert "List-Unsubscribe" in mails[0].headers and mails[0].status == OutboxStatus.PENDING

    digest = preview_digest(people["digest"])
    assert [n.text for n in digest.notifications if "Nästa träff" in n.text]
    assert preview_digest(people["mail"]).notifications == []

    # The member who turned announcement mail off still reads it on the page.
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    login(people["never"])
    page = client.get(f"/natverk/{slug}/meddelanden").text
    assert "<strong>Nästa träff</strong>" in page
    assert "Skicka meddelandet" not in page


def test_empty_too_long_and_script(client, login, people):
    login(people["coordinator"])
    slug = people["network"].slug
    empty = send(client, slug, "   ")
    assert empty.status_code == 400 and "Skriv ett meddelande." in empty.text

    long_text = "Lång text. " * 910  # 10,010 characters
    too_long = send(client, slug, long_text)
    assert too_long.status_code == 400
    assert "högst 1 000 tecken" in too_long.text
    assert "Lång text. Lång text." in too_long.text  # what was written is kept
    assert notified() == []

    sent = send(client, slug, "<script>alert('x')</script> Hej <b>alla</b>")
    assert sent.status_code == 302
    page = client.get(f"/natverk/{slug}/meddelanden").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_only_the_networks_coordinators_and_admins_send(client, login, people):
    slug = people["network"].slug
    login(people["other_coordinator"])
    assert client.get(f"/natverk/{slug}/meddelanden").status_code == 200  # reading is fine
    assert send(client, slug, "Hej").status_code == 403
    assert notified() == []


def test_a_network_with_nobody_else_gets_no_notifications(create_user, create_network):
    from hub.announcements.sending import do_send_announcement

    author = create_user(role=Role.COORDINATOR, municipality_code="1382")
    network = create_network(codes=("1382",), coordinators=[author])
    announcement = do_send_announcement(network, author, "Hej!")
    assert announcement.recipient_count == 0 and notified() == []


def test_at_most_three_announcements_a_day_per_network(client, login, create_user, people):
    """The limit is the network's, not the sender's: members get three a day at most, however
    many coordinators and admins write."""
    login(people["coordinator"])
    slug = people["network"].slug
    for n in range(3):
        assert send(client, slug, f"Meddelande {n}").status_code == 302
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    login(create_user(role=Role.ADMIN, municipality_code=None))
    refused = send(client, slug, "Ett fjärde")
    assert refused.status_code == 429
    assert "redan fått tre meddelanden" in refused.text and "Ett fjärde" in refused.text
    assert len(set(notified())) == 3 and len(notified()) == 9
