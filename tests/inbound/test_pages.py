"""What people see: the admin list of mail that was not used, the banner at sign-in, the
coordinators' list of members whose mail bounces, and retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.auth.models import Role
from hub.core.db import utcnow
from hub.extensions import db
from hub.inbound.models import InboundMessage
from hub.mail.models import SuppressedAddress
from hub.mail.suppression import is_suppressed
from hub.retention import prune
from tests.conftest import csrf_token


def suppress(user) -> SuppressedAddress:
    row = SuppressedAddress(email=user.email, user_id=user.id, reason="5.1.1 unknown user")
    db.session.add(row)
    db.session.commit()
    return row


def test_admin_sees_unused_mail_with_the_reason_and_counts(
    client, login, create_user, deliver, member, create_question
):
    question = create_question(create_user())
    deliver("outlook_sv.eml", "svar", member.id, "question", question.id,
            **{"karin.ek@laholm.se": "mallory@evil.example"})  # fmt: skip
    deliver("ooo_en.eml", "svar", member.id, "question", question.id)
    admin = create_user(role=Role.ADMIN)
    login(admin)
    page = client.get("/admin/inkommande")
    assert page.status_code == 200
    assert "mallory@evil.example" in page.text and "är inte medlemmen" in page.text
    assert "Out of Office" not in page.text  # dropped auto-replies are only counted


def test_admin_lifts_a_suppression(client, login, create_user, member):
    row = suppress(member)
    login(create_user(role=Role.ADMIN))
    page = client.get("/admin/inkommande")
    assert member.email in page.text
    response = client.post(
        f"/admin/inkommande/sparr/{row.id}/ta-bort", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 303
    assert not is_suppressed(member.email)
    gone = client.post("/admin/inkommande/sparr/999999/ta-bort",
                       data={"csrf_token": csrf_token(page.text)})  # fmt: skip
    assert gone.status_code == 404


def test_member_whose_mail_bounces_is_told_at_sign_in(client, login, member):
    suppress(member)
    response = login(member)
    page = client.get(response.headers["Location"])
    assert "kommer inte fram" in page.text and member.email in page.text
    assert db.session.scalar(select(SuppressedAddress.member_told_at)) is not None


def test_coordinators_see_bouncing_members_on_the_network_page(
    client, login, create_user, create_network, member
):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1380")
    network = create_network(codes=("1381", "1380"), coordinators=[coordinator])
    suppress(member)
    login(coordinator)
    page = client.get(f"/natverk/{network.slug}")
    assert "Mejl som inte kommer fram" in page.text and member.email in page.text
    client.post("/logga-ut", data={"csrf_token": csrf_token(page.text)})
    other = create_user(municipality_code="1381")
    login(other)
    page = client.get(f"/natverk/{network.slug}")
    assert page.status_code == 200 and member.email not in page.text


def test_retention_prunes_old_inbound_mail(replies_on, deliver, member):
    deliver("ooo_en.eml", "svar", member.id, "question", 1)
    row = db.session.scalar(select(InboundMessage))
    row.received_at = utcnow() - timedelta(days=91)
    db.session.commit()
    deliver("ooo_sv.eml", "svar", member.id, "question", 1)
    assert prune()["inbound"] == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
