"""Putting mail in the outbox. Callers never talk SMTP; ``flask hub send-mail`` does."""

from __future__ import annotations

from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.preferences import (
    REQUESTED_KINDS,
    is_account_mail,
    topic_for_mail,
    wants_separate_mail,
)
from hub.mail.tokens import unsubscribe_url


def render_email(template: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML from ``templates/mail/<template>/``."""
    subject = render_template(f"mail/{template}/subject.txt", **context).strip()
    text = render_template(f"mail/{template}/body.txt", **context)
    html = render_template(f"mail/{template}/body.html", subject=subject, **context)
    return subject, text, html


def mail_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "stafetten.se"


def list_headers(kind: str, user_id: int | None) -> tuple[dict[str, str], str | None]:
    """Headers that tell mail programs what this message is, and the unsubscribe URL if any.

    Every message asks Exchange and Outlook not to answer it automatically ("Frånvaro");
    everything but the answer to a person's own request is marked auto-generated (RFC 3834).
    Mail that is not account mail belongs to a list: List-Id per topic and RFC 8058 one-click
    unsubscribe (the sender writes these unfolded, see hub.mail.sender.MAIL_POLICY).
    """
    headers = {"X-Auto-Response-Suppress": "All"}
    if kind not in REQUESTED_KINDS:
        headers["Auto-Submitted"] = "auto-generated"
    if kind == "digest":
        headers["Precedence"] = "bulk"
    if user_id is None or is_account_mail(kind):
        return headers, None
    topic = topic_for_mail(kind)
    url = unsubscribe_url(user_id, topic)
    headers["List-Id"] = f"Stafetten <{topic}.{mail_domain()}>"
    headers["List-Unsubscribe"] = f"<{url}>"
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers, url


def recipient_locale(user_id: int | None) -> str:
    """The member's own language; people without an account get the hub's default."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or user.locale not in current_app.config["LANGUAGES"]:
        return default
    return user.locale


def build_email(
    template: str,
    to: str,
    *,
    kind: str,
    user_id: int | None,
    attachments: list[dict] | None = None,
    locale: str | None = None,
    replies_to: tuple[str, int] | None = None,
    **context,
) -> OutboxMessage:
    """An outbox row, rendered in the recipient's language and not yet added to the session.

    Callers that know the language (the digest, for a whole batch) pass ``locale``; otherwise it
    is the member's. ``replies_to`` ("question" | "answer" | "comment", id): a reply to this mail
    becomes an answer or a comment there (hub.inbound), when a reply domain is set.
    """
    headers, url = list_headers(kind, user_id)
    reply_to = reply_address(kind, user_id, replies_to)
    if reply_to:
        headers["Reply-To"] = reply_to
    known = current_app.config["LANGUAGES"]
    lang = locale if locale in known else recipient_locale(user_id)
    with force_locale(lang):
        subject, text, html = render_email(
            template,
            base_url=current_app.config["BASE_URL"],
            unsubscribe_url=url,
            lang=lang,
            reply_by_mail=bool(reply_to and replies_to),
            **context,
        )
    now = utcnow()
    message = OutboxMessage(
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
    return message


def reply_address(kind: str, user_id: int | None, replies_to: tuple[str, int] | None) -> str | None:
    """``svar+…`` for the member's mail when replies come back; account mail keeps its From.

    Mail that cannot take a reply gets one too, naming nothing: the answer to such a reply is a
    short note with links, instead of silence."""
    if user_id is None or is_account_mail(kind):
        return None
    from hub.inbound.addresses import REPLY, address

    target, target_id = replies_to or ("none", 0)
    return address(REPLY, user_id, target, target_id)


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
