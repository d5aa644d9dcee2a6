"""Sending what the outbox holds: SMTP when configured, else .eml files for development.

Delivery is at-least-once. A sender claims a batch with a lease, sends each message and marks it
sent in its own transaction right after the SMTP server accepted it. A sender killed between the
server's "250 OK" and that commit leaves one message claimed but unmarked; when its lease runs out
another sender sends it again. So a crash can repeat at most the one message that was in flight
(it keeps its Message-ID, so mail clients can tell it is the same message). Nothing is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail import oauth
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.preferences import is_account_mail
from hub.mail.suppression import is_suppressed

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 300
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 120
MAX_RETRY_DELAY = timedelta(hours=6)
BOUNCING = "adressen studsar: bara kontomeddelanden skickas dit"


class ConnectionProblem(Exception):
    """The SMTP server could not be reached or dropped us: try every message again later."""


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


# Headers that carry one URL: Python's policy would fold them into RFC 2047 encoded-words, which
# Gmail and Outlook.com ignore (no one-click unsubscribe then). RFC 8058 wants them as they are.
UNFOLDED_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post", "list-id"})


class MailPolicy(EmailPolicy):
    """The default policy, except that the list headers are written on one line, unencoded."""

    def _unfolded(self, name: str, value) -> str | None:
        text = str(value)
        if name.lower() in UNFOLDED_HEADERS and text.isascii() and len(text) < 900:
            return f"{name}: {text}{self.linesep}"
        return None

    def fold(self, name: str, value: str) -> str:
        return self._unfolded(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        unfolded = self._unfolded(name, value)
        if unfolded is not None:
            return unfolded.encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = MailPolicy()


def build_message(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id or make_msgid(domain="stafetten.se")
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments or []:
        maintype, subtype, params = split_content_type(attachment["content_type"])
        if attachment.get("inline"):
            # A third alternative (text, HTML, calendar), as Exchange sends meeting requests:
            # Outlook then treats it as a meeting (updates move it, a CANCEL removes it), not as
            # a file. ``method`` in the Content-Type must match the METHOD inside.
            params.pop("charset", None)
            message.add_alternative(attachment["data"], subtype=subtype, params=params)
            continue
        message.add_attachment(
            attachment["data"].encode(),
            maintype=maintype,
            subtype=subtype,
            params=params,
            filename=attachment["filename"],
        )
    return message


def split_content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    """``text/calendar; method=REQUEST`` → ("text", "calendar", {"method": "REQUEST"}).

    The parameters matter: Outlook shows a meeting as an invitation only with ``method``.
    """
    kind, *raw_params = (part.strip() for part in content_type.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {}
    for raw in raw_params:
        key, _, value = raw.partition("=")
        if key and value:
            params[key.strip().lower()] = value.strip().strip('"')
    return maintype, subtype, params


def write_eml(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_")
    path = folder / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path


class Transport:
    """One SMTP connection for a batch, opened on first use; .eml files without a server."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, envelope_from: str | None = None) -> None:
        if not self.config.get("MAIL_SERVER"):
            write_eml(message, Path(self.config["MAIL_FILE_DIR"]))
            return
        try:
            smtp = self.smtp or self._connect()
            smtp.send_message(message, from_addr=envelope_from)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
            raise  # about this message only; the connection is still good (smtplib sent RSET)
        # UnicodeError: smtplib cannot send a password with å, ä or ö; retried, with the reason.
        except (OSError, smtplib.SMTPException, oauth.TokenError, UnicodeError) as error:
            self.close()
            raise ConnectionProblem(describe(error)) from error

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        timeout = config.get("MAIL_TIMEOUT", 30)
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            self._log_in(smtp)
        except BaseException:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.close()
            raise
        self.smtp = smtp
        return smtp

    def _log_in(self, smtp: smtplib.SMTP) -> None:
        """HUB_MAIL_AUTH: ``password`` (when a user name is set), ``xoauth2`` or ``none``."""
        config = self.config
        method = config.get("MAIL_AUTH") or "password"
        if method == "xoauth2":
            log_in_xoauth2(smtp, config["MAIL_USERNAME"])
        elif method == "password" and config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])

    def close(self) -> None:
        if self.smtp is not None:
            # The server may be gone already; there is nothing to close politely then.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self.smtp = None


def log_in_xoauth2(smtp: smtplib.SMTP, user: str) -> None:
    """AUTH XOAUTH2 with the cached token; on a 535 once more with a fresh one.

    A token revoked or expired early is the usual reason for a 535, so it is renewed before the
    failure counts. A second 535 is a real refusal (missing permission, wrong mailbox): the
    caller retries the message later and finally marks it failed with the server's answer.
    """
    settings = oauth.token_settings()
    smtp.ehlo_or_helo_if_needed()
    for attempt in (1, 2):
        token = oauth.access_token(settings)

        def respond(challenge: bytes | None = None, token: str = token) -> str:
            # After a failure the server sends its reason as a challenge; an empty answer ends it.
            return oauth.xoauth2_response(user, token) if challenge is None else ""

        try:
            smtp.auth("XOAUTH2", respond)
            return
        except smtplib.SMTPAuthenticationError:
            oauth.forget_token(settings)
            if attempt == 2:
                raise


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {_text(text)}"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"[:500]
    if isinstance(error, oauth.TokenError):
        return f"Ingen OAuth-token: {error}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def is_permanent(error: BaseException) -> bool:
    """5xx answers about this message are permanent; 4xx, timeouts and refusals are not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = next(iter(error.recipients.values()))[0]
        return 500 <= code < 600
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 2, 4, 8 … minutes, at most six hours."""
    base = current_app.config.get("MAIL_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS)
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def claimable(now: datetime):
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )


def claim_batch(now: datetime, batch_size: int, claimer: str) -> list[int]:
    """Take up to batch_size due messages for this sender; no two senders get the same one."""
    lease = timedelta(seconds=current_app.config.get("MAIL_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(claimable(now))
                .order_by(OutboxMessage.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(claimed_by=claimer, lease_until=now + lease)
            )
    else:
        # One UPDATE in a write transaction (outside requests every SQLite transaction starts with
        # BEGIN IMMEDIATE, see hub.core.db): it runs under the single write lock, and the outer
        # condition is checked again, so a row claimed meanwhile is not taken twice.
        due = select(OutboxMessage.id).where(claimable(now)).order_by(OutboxMessage.id)
        ids = list(
            db.session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due.limit(batch_size).scalar_subquery()))
                .where(claimable(now))
                .values(claimed_by=claimer, lease_until=now + lease)
                .returning(OutboxMessage.id),
                execution_options={"synchronize_session": False},
            )
        )
    db.session.commit()
    return sorted(ids)


def _finish(message_id: int, claimer: str, **values) -> bool:
    """Record what happened to a claimed message, if this sender still holds it; commits."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == claimer)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(claimed_by=None, lease_until=None, **values),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount == 1


def _renew(
    message_id: int, claimer: str, now: datetime
) -> tuple[int, EmailMessage, str | None] | None:
    """Check that the claim is still ours and extend it just before sending; commits.

    Returns the attempts made so far, the message to send and its envelope sender.
    """
    lease = timedelta(seconds=current_app.config.get("MAIL_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == claimer)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(lease_until=max(now, utcnow()) + lease),
        execution_options={"synchronize_session": False},
    )
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if result.rowcount != 1 or row is None:
        db.session.commit()
        return None
    if not is_account_mail(row.kind) and is_suppressed(row.to_address):
        # Checked at sending, so mail queued before the address was suppressed stays home too.
        db.session.commit()
        _finish(message_id, claimer, status=OutboxStatus.SUPPRESSED, last_error=BOUNCING)
        return None
    prepared = row.attempts, build_message(row), envelope_sender(row)
    db.session.commit()
    return prepared


def envelope_sender(row: OutboxMessage) -> str | None:
    """VERP: ``retur+<token>@reply-domain`` names this very message, so a bounce says which
    message did not arrive. None (the From address) while receiving is off."""
    from hub.inbound.addresses import BOUNCE, address

    return address(BOUNCE, row.user_id, "outbox", row.id)


def send_batch(now: datetime | None = None, batch_size: int = 50) -> BatchResult:
    """Claim and send one batch of due messages. Safe to run in several processes at once."""
    now = now or utcnow()
    claimer = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    result = BatchResult()
    ids = claim_batch(now, batch_size, claimer)
    result.claimed = len(ids)
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    transport = Transport()
    try:
        for index, message_id in enumerate(ids):
            try:
                prepared = _renew(message_id, claimer, now)
            except (ValueError, TypeError, KeyError, LookupError) as error:
                # A row that cannot even be made into a message must not block the queue.
                db.session.rollback()
                _finish(message_id, claimer, status=OutboxStatus.FAILED,
                        last_error=f"Kunde inte skapa meddelandet: {error}"[:500])  # fmt: skip
                result.failed += 1
                continue
            if prepared is None:
                continue  # our lease ran out and another sender has it now
            attempts, message, envelope_from = prepared[0] + 1, prepared[1], prepared[2]
            message["Date"] = format_datetime(utcnow())
            try:
                transport.send(message, envelope_from)
            except ConnectionProblem as error:
                _retry_or_fail(message_id, claimer, attempts, str(error), now, max_attempts, result)
                # The server is unreachable: leave the rest for the next run, no attempt counted.
                for rest in ids[index + 1 :]:
                    _finish(rest, claimer, next_attempt_at=now + retry_delay(1))
                break
            except smtplib.SMTPException as error:
                if is_permanent(error):
                    _finish(message_id, claimer, status=OutboxStatus.FAILED, attempts=attempts,
                            last_error=describe(error)[:500])  # fmt: skip
                    result.failed += 1
                else:
                    reason = describe(error)
                    _retry_or_fail(message_id, claimer, attempts, reason, now, max_attempts, result)
                continue
            # Right after the server accepted it, so a crash repeats at most this one message.
            _finish(message_id, claimer, status=OutboxStatus.SENT, attempts=attempts,
                    sent_at=utcnow(), last_error=None)  # fmt: skip
            result.sent += 1
    finally:
        transport.close()
    return result


def _retry_or_fail(
    message_id: int,
    claimer: str,
    attempts: int,
    reason: str,
    now: datetime,
    max_attempts: int,
    result: BatchResult,
) -> None:
    result.errors.append(reason)
    if attempts >= max_attempts:
        _finish(message_id, claimer, status=OutboxStatus.FAILED, attempts=attempts,
                last_error=f"Gav upp efter {attempts} försök: {reason}"[:500])  # fmt: skip
        result.failed += 1
        log.warning("Gav upp meddelande %s: %s", message_id, reason)
        return
    _finish(message_id, claimer, attempts=attempts, last_error=reason[:500],
            next_attempt_at=now + retry_delay(attempts))  # fmt: skip
    result.retried += 1


def send_all(now: datetime | None = None, batch_size: int = 50, max_batches: int = 100) -> int:
    """Send batches until nothing is due (or max_batches); returns how many were sent."""
    sent = 0
    for _ in range(max_batches):
        result = send_batch(now, batch_size)
        sent += result.sent
        if result.claimed < batch_size or (result.claimed and not result.sent):
            break
    return sent


def retry_message(message_id: int) -> bool:
    """An admin's "try again" on a failed message; flushes, the caller commits."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.FAILED:
        return False
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.claimed_by = None
    row.lease_until = None
    db.session.flush()
    return True
