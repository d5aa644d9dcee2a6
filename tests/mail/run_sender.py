"""A sender process for the concurrency test: ``python -m tests.mail.run_sender URL PORT NAME``.

Runs ``send_batch`` until no pending message is left in the database.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import func, select

from hub import create_app
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.sender import send_batch
from tests.conftest import make_config


def main(url: str, port: int, name: str) -> None:
    config = make_config(
        url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_TIMEOUT=10,
        MAIL_LEASE_SECONDS=3,
        MAIL_DEFAULT_SENDER=f"{name}@senders.test",
    )
    app = create_app(config)
    with app.app_context():
        print("ready", flush=True)
        while True:
            result = send_batch(utcnow(), 20)
            if result.claimed:
                continue
            pending = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
            db.session.commit()
            if not pending:
                return
            time.sleep(0.2)  # the rest is leased by others; wait for them or for their lease


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
