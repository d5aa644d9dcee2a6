"""Several processes writing to one SQLite file at once: no "database is locked", no lost write.

Half the writers go through HTTP POSTs (as gunicorn workers would), half through plain app code
(as CLI commands and the worker do); each reads before it writes, which is what makes SQLite's
deferred transactions fail under contention.
"""

from __future__ import annotations

import multiprocessing

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from hub import create_app
from hub.auth.models import Role, User
from hub.extensions import db
from hub.site.models import AccessibilityReport
from tests.conftest import make_config

PROCESSES = 4
WRITES_EACH = 40


def write_through_app_code(url: str, worker: int, start) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        start.wait()
        for n in range(WRITES_EACH):
            db.session.scalar(select(func.count()).select_from(User))
            db.session.add(User(email=f"w{worker}-{n}@laholm.se", name=f"Skrivare {worker} {n}"))
            db.session.commit()


def write_through_http(url: str, worker: int, start) -> None:
    unlimited = ((10_000, 3600),)
    app = create_app(
        make_config(
            url,
            WTF_CSRF_ENABLED=False,
            ACCESSIBILITY_IP_LIMITS=unlimited,
            ACCESSIBILITY_TOTAL_LIMITS=unlimited,
        )
    )
    client = app.test_client()
    start.wait()
    for n in range(WRITES_EACH):
        response = client.post("/tillganglighet", data={"description": f"Rapport {worker} {n}"})
        assert response.status_code == 302, response.status_code


@pytest.mark.slow
def test_four_processes_write_at_once_without_locking_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        db.session.add(User(email="admin@laholm.se", name="Admin", role=Role.ADMIN))
        db.session.commit()
        db.engine.dispose()

    context = multiprocessing.get_context("spawn")
    start = context.Event()
    targets = [write_through_app_code, write_through_http] * (PROCESSES // 2)
    processes = [
        context.Process(target=target, args=(url, worker, start))
        for worker, target in enumerate(targets)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES

    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        reports = db.session.scalar(select(func.count()).select_from(AccessibilityReport))
        db.session.rollback()
        db.engine.dispose()
    assert users == 1 + WRITES_EACH * PROCESSES // 2
    assert reports == WRITES_EACH * PROCESSES // 2
