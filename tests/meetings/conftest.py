"""Fixtures of the meetings tests: meetings made directly, without going through the pages."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.models import Meeting, Network

_counter = itertools.count(1)


@pytest.fixture
def create_meeting(app):
    def create(
        network: Network,
        *,
        starts_at: datetime | None = None,
        hours: float = 2,
        status: str = "scheduled",
        host_code: str | None = None,
        title: str | None = None,
        capacity: int | None = None,
        place: str = "Stadshuset, Laholm",
        online_url: str = "",
    ) -> Meeting:
        n = next(_counter)
        starts_at = starts_at or utcnow() + timedelta(days=10)
        now = utcnow()
        meeting = Meeting(
            network_id=network.id,
            host_code=host_code or network.baton_holder_code or "1381",
            title=title or f"Nätverksträff {n}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            place=place,
            online_url=online_url,
            capacity=capacity,
            status=status,
            open_slot=1 if status == "scheduled" else None,
            uid=f"test-{n}-{now.timestamp()}@stafetten.se",
            created_at=now,
            updated_at=now,
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return create
