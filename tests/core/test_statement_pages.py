from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Role
from hub.extensions import db
from hub.mail.models import OutboxMessage
from tests.conftest import csrf_token


def test_every_page_links_to_accessibility_and_privacy(client):
    page = client.get("/").text
    assert 'href="/tillganglighet"' in page and 'href="/personuppgifter"' in page


def test_privacy_page(client):
    response = client.get("/personuppgifter")
    assert response.status_code == 200
    assert "Integritetsskyddsmyndigheten" in response.text


def test_accessibility_problem_is_reported_to_admins(client, create_user):
    admin = create_user(role=Role.ADMIN)
    token = csrf_token(client.get("/tillganglighet").text)
    response = client.post(
        "/tillganglighet",
        data={"description": "Knappen syns inte i högkontrastläge", "csrf_token": token},
    )
    assert response.status_code == 302
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == admin.id)).one()
    assert "högkontrastläge" in mail.body_text


def test_empty_report_is_refused_with_the_text_kept(client):
    token = csrf_token(client.get("/tillganglighet").text)
    response = client.post(
        "/tillganglighet",
        data={"description": "", "email": "inte-en-adress", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Beskriv vad som inte fungerade." in response.text
    assert 'value="inte-en-adress"' in response.text
