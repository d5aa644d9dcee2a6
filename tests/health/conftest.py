"""A small network with hand-made history, and the figures worked out by hand in the tests.

The clock is fixed: NOW is 15 June 2026, so "today" and every window are known."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete

from hub.auth.models import Invitation, Role, User
from hub.directory.models import Profile
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from hub.meetings.models import BatonPass, Meeting, Network, Rsvp

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)
CODES = ("1381", "1383", "1380")  # Laholm, Varberg, Halmstad
_n = itertools.count(1)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class HealthWorld:
    network: Network
    other_network: Network
    users: dict[str, User] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)


@pytest.fixture
def health_world(app, create_user, create_network) -> HealthWorld:
    def person(key, code, *, seen_days_ago=None, hidden=False, **fields):
        seen = TODAY - timedelta(days=seen_days_ago) if seen_days_ago is not None else None
        user = create_user(
            name=f"{key} Person", municipality_code=code, last_seen_on=seen, **fields
        )
        if hidden:
            db.session.add(Profile(user_id=user.id, hidden_from_directory=True))
        world.users[key] = user
        return user

    world = HealthWorld(network=None, other_network=None)  # type: ignore[arg-type]
    # Laholm: A seen 10 days ago, B 100 days ago, C never (hidden), D unconfirmed, E inactive.
    person("Anna", "1381", seen_days_ago=10)
    person("Bertil", "1381", seen_days_ago=100)
    person("Cilla", "1381", hidden=True)
    person("David", "1381", confirmed=False)
    person("Erik", "1381", seen_days_ago=0, active=False)
    # Varberg: F seen today.
    person("Frida", "1383", seen_days_ago=0)
    # Halmstad: the coordinator G seen today, H 91 days ago, I hidden and never seen.
    person("Gunilla", "1380", seen_days_ago=0, role=Role.COORDINATOR)
    person("Hugo", "1380", seen_days_ago=91)
    person("Ines", "1380", hidden=True)
    # Stockholm, outside the network: counts nowhere.
    person("Olle", "0180", seen_days_ago=1)
    person("Stina", "0180", seen_days_ago=1, role=Role.COORDINATOR)
    world.network = create_network(codes=CODES, coordinators=[world.users["Gunilla"]])
    world.network.baton_holder_code = "1381"
    world.other_network = create_network(
        codes=("0180", "0181"), coordinators=[world.users["Stina"]]
    )
    add_invitations(world)
    add_meetings_and_baton(world)
    add_questions(world)
    db.session.commit()
    return world


def add_invitations(world: HealthWorld) -> None:
    def invite(code, expires, accepted=None):
        n = next(_n)
        db.session.add(
            Invitation(
                email=f"inbjuden{n}@example.se",
                token_hash=f"{n:064d}",
                municipality_code=code,
                created_at=NOW - timedelta(days=20),
                expires_at=expires,
                accepted_at=accepted,
            )
        )

    invite("1381", NOW + timedelta(days=3))  # pending
    invite("1381", NOW - timedelta(days=1))  # expired
    invite("1381", NOW - timedelta(days=1), accepted=NOW - timedelta(days=10))  # used
    invite("1383", NOW - timedelta(days=30))  # expired
    invite("0180", NOW + timedelta(days=3))  # outside


def add_meetings_and_baton(world: HealthWorld) -> None:
    network = world.network

    def meeting(key, starts, created, status):
        n = next(_n)
        m = Meeting(
            network_id=network.id,
            host_code="1381",
            title=f"Träff {key}",
            starts_at=at(starts),
            ends_at=at(starts, 12),
            status=status,
            uid=f"halsa-{n}@stafetten.test",
            created_at=at(created),
        )
        db.session.add(m)
        world.meetings[key] = m

    meeting("M1", "2025-05-01", "2025-03-10", "held")
    meeting("M2", "2025-11-20", "2025-10-01", "held")
    meeting("M3", "2026-05-20", "2026-03-05", "held")
    meeting("M5", "2026-06-01", "2026-05-25", "cancelled")
    meeting("M4", "2026-08-01", "2026-06-10", "scheduled")
    db.session.flush()
    # The history as it happened, from its start: the rule's own start pass (today) goes.
    db.session.execute(delete(BatonPass).where(BatonPass.network_id == network.id))
    for _pass, code, day, kind in (
        ("P1", "1383", "2025-03-01", "start"),
        ("P2", "1381", "2025-05-01", "meeting_held"),
        ("P3", "1380", "2025-09-01", "passed_on"),
        ("P4", "1383", "2025-11-20", "meeting_held"),
        ("P5", "1381", "2026-05-20", "meeting_held"),
    ):
        db.session.add(
            BatonPass(network_id=network.id, to_code=code, passed_at=at(day), reason_kind=kind)
        )
    users, meetings = world.users, world.meetings
    for key, who, response, waitlisted in (
        ("M3", "Anna", "on_site", False),
        ("M3", "Frida", "online", False),
        ("M3", "Bertil", "not_coming", False),
        ("M3", "Gunilla", "on_site", True),
        ("M3", "Olle", "on_site", False),
        ("M2", "Anna", "online", False),
        ("M2", "Cilla", "on_site", False),
    ):
        db.session.add(
            Rsvp(
                meeting_id=meetings[key].id,
                user_id=users[who].id,
                response=response,
                waitlisted=waitlisted,
            )
        )


def add_questions(world: HealthWorld) -> None:
    users = world.users
    category = Category(slug=f"halsa-{next(_n)}", name="Vardag")
    db.session.add(category)
    db.session.flush()

    def question(who, created, *, deleted=False):
        q = Question(
            author_id=users[who].id,
            category_id=category.id,
            title=f"Fråga av {who}",
            body_source="?",
            body_html="<p>?</p>",
            created_at=created,
            last_activity_at=created,
            deleted_at=created if deleted else None,
        )
        db.session.add(q)
        db.session.flush()
        return q

    def answer(q, after_hours, *, hidden=False, deleted=False):
        created = q.created_at + timedelta(hours=after_hours)
        a = Answer(
            question_id=q.id,
            author_id=users["Frida"].id,
            body_source="!",
            body_html="<p>!</p>",
            created_at=created,
            hidden=hidden,
            deleted_at=created if deleted else None,
        )
        db.session.add(a)
        db.session.flush()
        return a

    question("Anna", at("2026-06-01"))  # Q1: 14 days without an answer
    question("Frida", at("2026-06-12"))  # Q2: 3 days old, not yet counted as waiting
    q3 = question("Gunilla", at("2026-05-01"))
    answer(q3, 1, hidden=True)
    answer(q3, 10)
    q3.accepted_answer_id = answer(q3, 30).id
    q4 = question("Bertil", at("2026-04-01"))
    answer(q4, 2, deleted=True)
    answer(q4, 4)
    answer(question("Anna", at("2026-04-10")), 30)  # Q5
    answer(question("Anna", at("2026-03-10")), 1)  # Q6: before the 90 days
    question("Olle", at("2026-06-01"))  # Q7: outside the network
    question("Anna", at("2026-05-01"), deleted=True)  # Q8: deleted
