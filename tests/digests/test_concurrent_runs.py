"""Two ``flask hub digests`` processes at once: every member gets exactly one digest."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from hub import create_app
from hub.auth.models import User
from hub.core.db import utcnow
from hub.digests.models import Digest
from hub.extensions import db
from hub.forum.models import Category, Follow, Question
from hub.mail.models import OutboxMessage
from tests.conftest import make_config
from tests.digests.conftest import IN_THE_WEEK
from tests.mail.helpers import private_database

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 400


def fill(url: str) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"medlem{i}@laholm.se",
                    "name": f"Medlem {i}",
                    "municipality_code": "1381",
                    "email_confirmed_at": now,
                }
                for i in range(MEMBERS)
            ],
        )
        category = Category(slug="dokumentation", name="Dokumentation")
        db.session.add(category)
        db.session.flush()
        user_ids = db.session.scalars(select(User.id)).all()
        db.session.execute(
            insert(Follow),
            [{"user_id": u, "target_type": "category", "target_id": category.id} for u in user_ids],
        )
        db.session.add(
            Question(
                title="Hur loggar man in i nya journalsystemet?",
                category_id=category.id,
                body_source="?",
                body_html="<p>?</p>",
                created_at=IN_THE_WEEK,
                last_activity_at=IN_THE_WEEK + timedelta(hours=1),
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def counts(url: str) -> tuple[int, int, int]:
    app = create_app(make_config(url))
    with app.app_context():
        digests = db.session.scalar(select(func.count()).select_from(Digest))
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        distinct = db.session.scalar(select(func.count(func.distinct(OutboxMessage.user_id))))
        db.session.remove()
        db.engine.dispose()
    return digests, mails, distinct


@pytest.mark.slow
def test_two_processes_at_once_send_one_digest_each(tmp_path):
    with private_database(tmp_path) as url:
        fill(url)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FLASK_APP": "wsgi",
            "HUB_ENV": "development",
            "HUB_DATABASE_URL": url,
        }
        command = [sys.executable, "-m", "flask", "hub", "digests", "--at", "2026-11-16 07:05"]
        runs = [
            subprocess.Popen(  # noqa: S603  (our own command)
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        assert counts(url) == (MEMBERS, MEMBERS, MEMBERS)
        queued = [int(out.decode().split(": ")[1].split(" ")[0]) for out, _err in outputs]
        assert sum(queued) == MEMBERS
