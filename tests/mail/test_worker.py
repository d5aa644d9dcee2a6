"""``flask hub worker`` sends on schedule and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hub import create_app
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.worker import Worker
from tests.conftest import make_config
from tests.mail.helpers import private_database
from tests.mail.test_concurrent_senders import fill_outbox

ROOT = Path(__file__).resolve().parents[2]


def test_worker_runs_every_parts_jobs(app, monkeypatch):
    worker = Worker()
    names = [job.name for job in worker.jobs]
    assert names == [
        "send-mail",
        "digests",
        "baton-check",
        "escalations",
        "material-previews",
        "invitation-reminders",
        "prune",
    ]
    ran = []
    for job in worker.jobs:
        monkeypatch.setattr(job, "run", lambda name=job.name: ran.append(name))
    worker.run(max_loops=1)
    assert ran == names


def test_a_failing_job_does_not_stop_the_others(app):
    worker = Worker()
    ran = []

    def broken():
        raise RuntimeError("trasig")

    worker.jobs[0].run = broken
    worker.jobs[1].run = lambda: ran.append("digests")
    worker.jobs[2:] = []
    worker.run(max_loops=1)
    assert ran == ["digests"]


@pytest.mark.slow
def test_worker_sends_and_stops_on_sigterm(tmp_path):
    with private_database(tmp_path) as url:
        fill_outbox(url, 60)
        mail_dir = tmp_path / "mail"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FLASK_APP": "wsgi",
            "HUB_ENV": "development",
            "HUB_DATABASE_URL": url,
            "HUB_MAIL_FILE_DIR": str(mail_dir),
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "hub", "worker", "--mail-every", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(list(mail_dir.glob("*.eml"))) < 60:
                time.sleep(0.2)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
            stderr = worker.stderr.read().decode()
            worker.stderr.close()
        assert len(list(mail_dir.glob("*.eml"))) == 60, stderr
        app = create_app(make_config(url))
        with app.app_context():
            statuses = set(db.session.scalars(select(OutboxMessage.status)))
            db.session.remove()
            db.engine.dispose()
        assert statuses == {OutboxStatus.SENT}
