"""``flask hub mail-receiver``: the real command, as systemd runs it; stops cleanly on SIGTERM and
handles at start what it had stored but not handled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from hub.inbound.addresses import address
from tests.inbound.conftest import REPLY_DOMAIN, fixture_bytes
from tests.inbound.mailsystem import _accepts, free_port, wait_for
from tests.mail.helpers import private_database

ROOT = Path(__file__).resolve().parents[2]


def outcomes(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, outcome FROM inbound_message ORDER BY id"))
        found = [tuple(row) for row in rows]
    engine.dispose()
    return found


def test_mail_receiver_command_takes_lmtp_and_stops_on_sigterm(tmp_path, replies_on):
    import smtplib

    port = free_port()
    recipient = address("svar", 1, "question", 1)
    with private_database(tmp_path) as url, (tmp_path / "receiver.log").open("wb") as log:
        env = {**os.environ, "HUB_ENV": "development", "HUB_DATABASE_URL": url,
               "HUB_SECRET_KEY": replies_on.config["SECRET_KEY"], "HUB_REPLY_DOMAIN": REPLY_DOMAIN,
               "HUB_MAIL_RECEIVER_PORT": str(port)}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "hub", "mail-receiver"],
            cwd=ROOT, env=env, stderr=log,
        )  # fmt: skip
        try:
            wait_for(lambda: _accepts(port), timeout=60, what="the receiver")
            with smtplib.LMTP("127.0.0.1", port, timeout=30) as lmtp:
                raw = fixture_bytes("ooo_sv.eml").replace(b"\n", b"\r\n")
                assert lmtp.sendmail("x@example.test", [recipient], raw) == {}
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        assert outcomes(url) == [("auto_reply", "dropped")]


def test_mail_receiver_needs_a_reply_domain(app):
    app.config["REPLY_DOMAIN"] = None
    result = app.test_cli_runner().invoke(args=["hub", "mail-receiver"])
    assert result.exit_code != 0 and "HUB_REPLY_DOMAIN" in result.output


def test_stored_but_unhandled_mail_is_handled_when_the_receiver_starts(tmp_path):
    """The receiver stopped after answering 250 but before handling: nothing is lost."""
    from hub import create_app
    from hub.extensions import db
    from hub.inbound.lmtp import start_receiver
    from hub.inbound.receiver import store
    from tests.conftest import make_config

    with private_database(tmp_path) as url:
        other = create_app(make_config(url, REPLY_DOMAIN=REPLY_DOMAIN))
        with other.app_context():
            recipient = address("svar", 1, "question", 1)
            assert store(fixture_bytes("ooo_en.eml"), [recipient])
            db.session.remove()
        assert outcomes(url) == [("other", "pending")]
        controller = start_receiver(other, "127.0.0.1", free_port())
        try:
            wait_for(lambda: outcomes(url) == [("auto_reply", "dropped")], what="the handling")
        finally:
            controller.stop()
            with other.app_context():
                db.engine.dispose()
