"""Test helpers shared by the mail and digest tests: a real SMTP server and private databases."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Stores what arrives; can be told to refuse a recipient or to fail temporarily."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # the bytes as they arrived, for byte-for-byte checks
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reject: dict[str, str] = {}  # recipient → reply, e.g. "550 5.1.1 No such user"
        self.data_reply: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.before_reply = None  # hook(envelope) -> reply or None, called before accepting
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.before_reply is not None:
            reply = await self.before_reply(envelope)
            if reply:
                return reply
        if self.data_reply:
            return self.data_reply
        message = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
            self.raw.append(envelope.original_content or envelope.content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@contextlib.contextmanager
def private_database(tmp_path) -> Iterator[str]:
    """A database of its own, migrated to head, for tests whose processes really commit.

    SQLite: a file (WAL). PostgreSQL (TEST_DATABASE_URL): a new database beside the test one, so
    it does not clash with the rolled-back fixture; dropped afterwards.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path / f'private-{uuid.uuid4().hex[:8]}.db'}"
        migrate(url)
        yield url
        return
    name = f"stafetten_private_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from tests.conftest import make_config

    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
