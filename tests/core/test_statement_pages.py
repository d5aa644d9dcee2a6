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


def test_reports_cannot_make_the_hub_mail_the_admins_without_limit(
    app, client, create_user, monkeypatch
):
    """Finding 2: 25 posts in a moment used to queue 25 mails per admin. Now: a few per IP,
    then a Swedish 429; one combined mail an hour, whatever the number of reports."""
    from datetime import timedelta

    from hub.core.db import utcnow
    from hub.site import reports

    admins = [create_user(role=Role.ADMIN), create_user(role=Role.ADMIN)]
    token = csrf_token(client.get("/tillganglighet").text)
    answers = [
        client.post(
            "/tillganglighet",
            data={"description": f"Rapport {n}", "email": "någon@example.se", "csrf_token": token},
            headers={"Referer": "https://elak.example/falsk-sida"},
        )
        for n in range(25)
    ]
    assert [a.status_code for a in answers[:3]] == [302, 302, 302]
    assert {a.status_code for a in answers[3:]} == {429}
    assert "många rapporter" in answers[-1].text and answers[-1].headers["Retry-After"]
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "accessibility_report")
    ).all()
    assert len(mails) == len(admins)  # the first report went at once, the next two wait
    assert "Rapport 0" in mails[0].body_text and "elak.example" not in mails[0].body_text
    assert "inte kontrollerad" in mails[0].body_text

    assert reports.mail_waiting_reports() == 0  # within the hour: nothing more
    later = utcnow() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(reports, "utcnow", lambda: later)
    assert reports.mail_waiting_reports() == 2
    combined = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "accessibility_report")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert "Rapport 1" in combined.body_text and "Rapport 2" in combined.body_text
    assert reports.mail_waiting_reports() == 0
