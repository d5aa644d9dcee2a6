"""Putting mail in the outbox. Callers never talk SMTP; ``flask hub send-mail`` does."""

from __future__ import annotations

from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.preferences import is_transactional, topic_for_mail, wants_separate_mail
from hub.mail.tokens import unsubscribe_url


def render_email(template: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML from ``templates/mail/<template>/``."""
    subject = render_template(f"mail/{template}/subject.txt", **context).strip()
    text = render_template(f"mail/{template}/body.txt", **context)
    html = render_template(f"mail/{template}/body.html", subject=subject, **context)
    return subject, text, html


def mail_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "stafetten.se"


def unsubscribe_headers(kind: str, user_id: int | None) -> tuple[dict[str, str], str | None]:
    """RFC 8058 one-click headers for every mail that is not an account message."""
    if user_id is None or is_transactional(kind):
        return {}, None
    url = unsubscribe_url(user_id, topic_for_mail(kind))
    headers = {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return headers, url


def build_email(
    template: str,
    to: str,
    *,
    kind: str,
    user_id: int | None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """An outbox row, rendered and not yet added to the session."""
    headers, url = unsubscribe_headers(kind, user_id)
    subject, text, html = render_email(
        template, base_url=current_app.config["BASE_URL"], unsubscribe_url=url, **context
    )
    now = utcnow()
    return OutboxMessage(
        kind=kind,
        user_id=user_id,
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        headers=headers,
        status=OutboxStatus.PENDING,
        message_id=make_msgid(idstring="stafetten", domain=mail_domain()),
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )


def queue_email(
    template: str,
    to: str,
    *,
    kind: str | None = None,
    user_id: int | None = None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; it is sent after commit.

    Mail the member has turned off (or moved to the digest) is kept as a ``suppressed`` row, so
    callers always get a message back and admins can see why nothing went out.
    """
    kind = kind or template
    message = build_email(
        template, to, kind=kind, user_id=user_id, attachments=attachments, **context
    )
    if user_id is not None and not wants_separate_mail(user_id, kind):
        message.status = OutboxStatus.SUPPRESSED
        message.last_error = "avstängt i medlemmens e-postinställningar"
    db.session.add(message)
    return message
