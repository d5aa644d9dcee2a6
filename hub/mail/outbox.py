"""Putting mail in the outbox. Callers never talk SMTP; ``flask hub send-mail`` does."""

from __future__ import annotations

from flask import current_app, render_template

from hub.extensions import db
from hub.mail.models import OutboxMessage


def render_email(template: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML from ``templates/mail/<template>/``."""
    subject = render_template(f"mail/{template}/subject.txt", **context).strip()
    text = render_template(f"mail/{template}/body.txt", **context)
    html = render_template(f"mail/{template}/body.html", subject=subject, **context)
    return subject, text, html


def queue_email(
    template: str,
    to: str,
    *,
    kind: str | None = None,
    user_id: int | None = None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; it is sent after commit."""
    subject, text, html = render_email(template, base_url=current_app.config["BASE_URL"], **context)
    message = OutboxMessage(
        kind=kind or template,
        user_id=user_id,
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        headers={},
    )
    db.session.add(message)
    return message
