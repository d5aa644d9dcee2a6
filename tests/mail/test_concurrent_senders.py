"""Four sender processes over 1,000 messages, one killed with SIGKILL in the middle of a batch:
every message arrives exactly once. On SQLite (a WAL file) and on PostgreSQL (a database of its
own when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from hub import create_app
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from tests.conftest import make_config
from tests.mail.helpers import private_database, smtp_server

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 1000
KILL_AFTER = 40  # the victim is killed while the server holds its 41st message


def fill_outbox(url: str, count: int = MESSAGES) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "kind": "password_reset",
                    "to_address": f"medlem{i}@kommun.test",
                    "subject": f"Meddelande {i}",
                    "body_text": "Hej!",
                    "body_html": "<p>Hej!</p>",
                    "headers": {},
                    "attachments": [],
                    "status": OutboxStatus.PENDING,
                    "message_id": f"<m{i}@stafetten.test>",
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for i in range(count)
            ],
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def outbox_state(url: str) -> Counter:
    app = create_app(make_config(url))
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return Counter(dict(rows))


@pytest.mark.slow
def test_four_senders_one_killed_none_twice_none_lost(tmp_path):
    with private_database(tmp_path) as url, smtp_server() as (handler, port):
        fill_outbox(url)
        processes: dict[str, subprocess.Popen] = {}
        victim_deliveries = 0

        async def kill_victim_mid_message(envelope):
            # Kill the victim while the server still holds its message: the message was not
            # accepted, the victim has claimed messages left in its batch, and they must all be
            # sent by the others after the lease runs out.
            nonlocal victim_deliveries
            if envelope.mail_from != "victim@senders.test":
                return None
            victim_deliveries += 1
            if victim_deliveries == KILL_AFTER + 1:
                os.kill(processes["victim"].pid, signal.SIGKILL)
                await asyncio.sleep(0.2)
                return "451 4.3.0 Avbruten"
            return None

        handler.before_reply = kill_victim_mid_message
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for name in ("victim", "s1", "s2", "s3"):
            processes[name] = subprocess.Popen(  # noqa: S603  (our own test script)
                [sys.executable, "-m", "tests.mail.run_sender", url, str(port), name],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        try:
            codes = {name: p.wait(timeout=240) for name, p in processes.items()}
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.kill()
        errors = {}
        for name, p in processes.items():
            errors[name] = p.stderr.read().decode()[-2000:]
            p.stderr.close()

        assert codes["victim"] == -signal.SIGKILL
        assert all(codes[name] == 0 for name in ("s1", "s2", "s3")), errors
        arrived = Counter(m["Message-ID"] for m in handler.messages)
        assert len(arrived) == MESSAGES  # none lost
        assert max(arrived.values()) == 1  # none twice
        assert victim_deliveries > KILL_AFTER
        senders = Counter(mail_from for mail_from, _ in handler.envelopes)
        assert senders["victim@senders.test"] == KILL_AFTER
        assert sum(senders.values()) == MESSAGES
        assert outbox_state(url) == Counter({OutboxStatus.SENT: MESSAGES})
