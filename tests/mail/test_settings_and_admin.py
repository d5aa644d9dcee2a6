"""The member's email settings page, immediate notification mail, and the admin's outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.auth.models import Role
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import get_preferences, set_preferences
from hub.notifications.models import Notification
from tests.conftest import csrf_token

FORM = {
    "digest_frequency": "daily",
    "answers": "immediately",
    "mentions": "digest",
    "follows": "never",
    "meetings": "digest",
    "baton": "immediately",
    "announcements": "digest",
    "mail_text": "titles",
}


def test_settings_page_lists_email_section(client, create_user, login):
    login(create_user())
    page = client.get("/installningar")
    assert "/installningar/e-post" in page.text


def test_preferences_need_login(client):
    response = client.get("/installningar/e-post")
    assert response.status_code == 302 and "/logga-in" in response.location


def test_save_preferences(client, create_user, login):
    user = create_user()
    login(user)
    page = client.get("/installningar/e-post")
    assert page.status_code == 200
    assert 'value="weekly" checked' in page.text or 'checked id="digest_frequency-1"' in page.text
    response = client.post(
        "/installningar/e-post", data={**FORM, "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert get_preferences(user.id) == FORM


def test_invalid_choice_is_400_and_keeps_the_rest(client, create_user, login):
    user = create_user()
    login(user)
    page = client.get("/installningar/e-post")
    data = {**FORM, "answers": "hemligt", "csrf_token": csrf_token(page.text)}
    response = client.post("/installningar/e-post", data=data)
    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert 'value="daily" checked' in response.text or "checked" in response.text
    assert get_preferences(user.id)["digest_frequency"] == "weekly"  # nothing saved


def notification(user, kind="answer", minutes_ago=5):
    row = Notification(
        user_id=user.id,
        kind=kind,
        text="Karin svarade på din fråga",
        url="/fragor/7",
        created_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    db.session.add(row)
    db.session.commit()
    return row


def queued_for(user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).all()


def test_immediate_notification_mail_is_sent_once(create_user):
    user = create_user()
    row = notification(user)
    assert send_notification_emails() == 1
    assert send_notification_emails() == 0  # idempotent
    [message] = queued_for(user)
    assert message.kind == "notification_answers" and "/fragor/7" in message.body_text
    assert "List-Unsubscribe" in message.headers
    db.session.refresh(row)
    assert row.emailed_at is not None


def test_notifications_follow_preferences(create_user):
    user = create_user()
    set_preferences(user.id, answers="digest", mentions="never", baton="immediately")
    db.session.commit()
    kept_for_digest = notification(user, "answer")
    notification(user, "mention")
    notification(user, "baton")
    assert send_notification_emails() == 1
    assert [m.kind for m in queued_for(user)] == ["notification_baton"]
    db.session.refresh(kept_for_digest)
    assert kept_for_digest.emailed_at is None  # the digest takes it


def test_old_notifications_are_not_mailed_one_by_one(create_user):
    user = create_user()
    notification(user, minutes_ago=3 * 24 * 60)
    assert send_notification_emails() == 0


def test_outbox_admin_only(client, create_user, login):
    login(create_user())
    assert client.get("/admin/utkorg").status_code == 403


def test_outbox_shows_failed_and_retries(client, create_user, login):
    admin = create_user(role=Role.ADMIN)
    failed = OutboxMessage(
        kind="digest",
        to_address="studsar@kommun.test",
        subject="Veckans sammanfattning",
        body_text="x",
        body_html="<p>x</p>",
        headers={},
        attachments=[],
        status=OutboxStatus.FAILED,
        attempts=8,
        last_error="550 5.1.1 Mottagaren finns inte",
    )
    db.session.add(failed)
    db.session.commit()
    login(admin)
    page = client.get("/admin/utkorg")
    assert page.status_code == 200
    assert "550 5.1.1 Mottagaren finns inte" in page.text and "studsar@kommun.test" in page.text
    response = client.post(
        f"/admin/utkorg/{failed.id}/forsok-igen", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    db.session.refresh(failed)
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 0
    again = client.post(
        f"/admin/utkorg/{failed.id}/forsok-igen", data={"csrf_token": csrf_token(page.text)}
    )
    assert again.status_code == 409
    assert (
        client.post(
            "/admin/utkorg/999999/forsok-igen", data={"csrf_token": csrf_token(page.text)}
        ).status_code
        == 404
    )


def test_invalid_choice_message_is_swedish(client, create_user, login):
    login(create_user())
    page = client.get("/installningar/e-post")
    data = {**FORM, "answers": "hemligt", "csrf_token": csrf_token(page.text)}
    response = client.post("/installningar/e-post", data=data)
    assert "Not a valid" not in response.text
    assert 'id="answers-error"' in response.text


def test_send_mail_command_mails_notifications_and_the_outbox(app, create_user, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_FILE_DIR=str(tmp_path / "mail"))
    user = create_user()
    notification(user)
    result = app.test_cli_runner().invoke(args=["hub", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "Köade 1 notismejl. Skickade 1 meddelanden." in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    again = app.test_cli_runner().invoke(args=["hub", "send-mail"])
    assert "Köade 0 notismejl. Skickade 0 meddelanden." in again.output
