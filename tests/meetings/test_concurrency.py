"""Two members of the holder municipality schedule at the same moment: one wins, one is told."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.localtime import utc_to_stockholm
from hub.meetings.models import Meeting
from tests.conftest import csrf_token


def signed_in_client(app, email: str):
    client = app.test_client()
    page = client.get("/logga-in")
    response = client.post(
        "/logga-in", data={"email": email, "password": "x", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    return client


def test_two_schedulers_at_once_one_wins(file_app):
    clients = [signed_in_client(file_app, f"p{i}@laholm.se") for i in range(2)]
    tokens = [csrf_token(c.get("/traffar/ny?natverk=halland").text) for c in clients]
    day = utc_to_stockholm(utcnow() + timedelta(days=30)).date().isoformat()
    barrier = threading.Barrier(2)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            barrier.wait()
            response = clients[i].post(
                "/traffar/ny?natverk=halland",
                data={
                    "title": f"Träff från person {i}",
                    "day": day,
                    "start_time": "09:00",
                    "end_time": "11:00",
                    "place": "Laholm",
                    "csrf_token": tokens[i],
                },
            )
            results[i] = (response.status_code, response.text)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    statuses = sorted(status for status, _text in results.values())
    assert statuses == [302, 409]
    loser = next(i for i, (status, _text) in results.items() if status == 409)
    assert f"Träff från person {loser}" in results[loser][1]  # the text is kept
    assert "hunnit före" in results[loser][1]
    with file_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
        db.session.remove()
