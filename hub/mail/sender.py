"""Sending what the outbox holds: SMTP when configured, else .eml files for development."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage


def build_message(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="stafetten.se")
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            attachment["data"].encode(),
            maintype=maintype,
            subtype=subtype.split(";")[0],
            filename=attachment["filename"],
        )
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        write_eml(message, Path(config["MAIL_FILE_DIR"]))
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def write_eml(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_")
    path = folder / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path


def send_pending(limit: int = 100) -> int:
    """Send pending messages; returns how many were sent."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    for row in rows:
        deliver(build_message(row))
        row.status = "sent"
        row.sent_at = utcnow()
        db.session.commit()
    return len(rows)
