"""Every figure of the health page against the numbers worked out by hand in conftest.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.health.figures import network_health
from tests.health.conftest import NOW, at


@pytest.fixture
def health(health_world):
    return network_health(health_world.network, health_world.users["Gunilla"], NOW)


def by_name(health):
    return {m.name: m for m in health.municipalities}


def test_members_per_municipality(health):
    rows = {
        name: (m.listed, m.confirmed, m.seen, m.not_seen) for name, m in by_name(health).items()
    }
    # Laholm: listed A B D (C hidden, E inactive); confirmed A B C; seen A only.
    assert rows == {
        "Laholm": (3, 3, 1, 2),
        "Varberg": (1, 1, 1, 0),
        "Halmstad": (2, 3, 1, 2),
    }
    assert [m.name for m in health.municipalities] == ["Halmstad", "Laholm", "Varberg"]
    assert (health.totals.listed, health.totals.confirmed, health.totals.seen) == (6, 7, 3)


def test_invitations_pending_and_expired(health):
    rows = {name: (m.pending, m.expired) for name, m in by_name(health).items()}
    assert rows == {"Laholm": (1, 1), "Varberg": (0, 1), "Halmstad": (0, 0)}


def test_attendance_at_the_last_held_meetings(health, health_world):
    meetings = health_world.meetings
    assert [m.id for m in health.last_meetings] == [meetings[k].id for k in ("M1", "M2", "M3")]
    rows = {name: m.attendance for name, m in by_name(health).items()}
    # Waitlisted, "not coming" and people outside the network do not count.
    assert rows == {"Laholm": [0, 2, 1], "Varberg": [0, 0, 1], "Halmstad": [0, 0, 0]}


def test_meetings_per_year_count_held_meetings_only(health):
    assert health.meetings_per_year == [(2022, 0), (2023, 0), (2024, 0), (2025, 2), (2026, 1)]


def test_forum_figures(health):
    forum = health.forum
    assert forum.questions == 5  # Q1–Q5: not the old, the outsider's or the deleted one
    assert forum.unanswered == 1  # Q1; Q2 is only 3 days old
    assert forum.accepted == 1 and forum.accepted_share == pytest.approx(0.2)
    # First visible answers after 10 h (Q3), 4 h (Q4), 30 h (Q5): the median is 10 h.
    assert forum.median_first_answer == timedelta(hours=10)


def test_days_from_hand_over_to_booked_meeting_and_the_holder(health):
    rows = [(h.to_name, h.passed_at, h.waited_days, h.booked, h.current) for h in health.handovers]
    assert rows == [
        ("Varberg", at("2025-03-01"), 9, True, False),
        ("Laholm", at("2025-05-01"), 123, False, False),  # handed on without a meeting
        ("Halmstad", at("2025-09-01"), 30, True, False),
        ("Varberg", at("2025-11-20"), 105, True, False),
        ("Laholm", at("2026-05-20"), 5, True, True),  # the cancelled meeting was booked
    ]
    assert health.median_days_to_booking == 19.5
    assert health.holder_name == "Laholm"
    assert health.holder_since == at("2026-05-20")


def test_names_only_for_the_viewers_own_municipality(health_world, health):
    # Hugo was seen 91 days ago; Ines is hidden from the directory, so only counted.
    assert health.own.name == "Halmstad"
    assert health.not_seen_names == ["Hugo Person"]


def test_an_admin_without_a_municipality_sees_counts_only(health_world, create_user):
    admin = create_user(role="admin", municipality_code=None)
    health = network_health(health_world.network, admin, NOW)
    assert health.own is None and health.not_seen_names == []


def test_an_empty_network_has_no_figures(create_network, create_user):
    network = create_network(codes=())
    health = network_health(network, create_user(), NOW)
    assert health.municipalities == [] and health.handovers == []
    assert health.forum.accepted_share is None and health.forum.median_first_answer is None
    assert health.median_days_to_booking is None and health.holder_name is None
