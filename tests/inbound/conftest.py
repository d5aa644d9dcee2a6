"""Fixtures of the inbound tests: the reply domain on, the checked-in messages, members whose
addresses the fixtures were written from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from hub.inbound.addresses import address
from hub.inbound.receiver import receive
from tests.forum.conftest import category, create_answer, create_question  # noqa: F401
from tests.inbound.mailsystem import Postfix, free_port, running_postfix, why_postfix_cannot_run
from tests.mail.conftest import smtp  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
REPLY_DOMAIN = "svar.stafetten.test"
# The From addresses of the fixtures, by file.
SENDERS = {
    "outlook_sv.eml": ("Karin Ek", "karin.ek@laholm.se"),
    "outlook_en.eml": ("Peter Lind", "peter.lind@kungsbacka.se"),
    "gmail_sv.eml": ("Sara Holm", "sara.holm@gmail.com"),
    "gmail_en.eml": ("Sara Holm", "sara.holm@gmail.com"),
    "apple_mail.eml": ("Lena Sjöberg", "lena.sjoberg@falkenberg.se"),
    "ios.eml": ("Ali Hassan", "ali.hassan@varberg.se"),
}


def fixture_bytes(name: str, **replace: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


@pytest.fixture
def replies_on(app):
    app.config["REPLY_DOMAIN"] = REPLY_DOMAIN
    return app


@pytest.fixture
def member(replies_on, create_user):
    """Karin Ek of Laholm, who wrote outlook_sv.eml and the Outlook calendar answers."""
    return create_user(email="karin.ek@laholm.se", name="Karin Ek")


@pytest.fixture
def deliver(replies_on):
    """Hand a fixture to the receiver as the MTA would, to ``purpose+token`` of a member."""

    def run(name: str, purpose: str, user_id: int | None, target: str, target_id: int, **replace):
        recipient = address(purpose, user_id, target, target_id)
        return receive(fixture_bytes(name, **replace), [recipient], "someone@example.test")

    return run


@pytest.fixture(scope="session")
def postfix() -> Iterator[Postfix]:
    """One Postfix for the whole run; it hands the reply domain to LMTP on ``postfix.lmtp_port``."""
    reason = why_postfix_cannot_run()
    if reason:
        pytest.skip(reason)
    with running_postfix(free_port()) as running:
        yield running


@dataclass
class MailSystem:
    app: Flask
    postfix: Postfix
    handler: object


@pytest.fixture(scope="module")
def mail_system(postfix, tmp_path_factory) -> Iterator[MailSystem]:
    """The receiver on Postfix's LMTP port, on a database of its own that really commits (the
    receiver works in its own threads). Tests make their rows in ``mail_system.app``."""
    from hub import create_app
    from hub.extensions import db
    from hub.inbound.lmtp import start_receiver
    from tests.conftest import make_config
    from tests.mail.helpers import private_database

    with private_database(tmp_path_factory.mktemp("inbound")) as url:
        app = create_app(make_config(url, REPLY_DOMAIN=REPLY_DOMAIN))
        with app.app_context():
            controller = start_receiver(app, "127.0.0.1", postfix.lmtp_port)
        try:
            yield MailSystem(app, postfix, controller.handler)
        finally:
            controller.stop()
            with app.app_context():
                db.engine.dispose()
