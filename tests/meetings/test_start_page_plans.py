"""The start page's "coming to" part (``hub.meetings.summary.coming_part``, one part of the start
page's statement, ``hub.site.start``) on PostgreSQL: the plan
a worker's connection keeps for any member and time reads the few scheduled meetings, not every
meeting held. With the status a parameter, that plan walked the meetings' key through all of
them (5,000 at the bench's xlarge, 186 blocks, against 500 and 21 at large): a plan that only
goes wrong with many held meetings, so the test holds hundreds and makes the generic plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.models import Meeting, MeetingStatus, Rsvp
from hub.site.start import start_reads
from tests.plans import kept_plan, sent_with

HELD = 400
ATTENDED = 40


@pytest.fixture
def member_with_history(create_user, create_network, create_meeting):
    """A member coming to tomorrow's meeting of a network that has held HELD meetings, having
    come to the last ATTENDED of them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    member = create_user()
    network = create_network()
    coming = create_meeting(network, days=1)
    past = utcnow() - timedelta(days=HELD + 1)
    db.session.execute(
        insert(Meeting),
        [
            {"network_id": network.id, "host_code": "1381", "title": f"Träff {n}",
             "starts_at": past + timedelta(days=n), "ends_at": past + timedelta(days=n, hours=2),
             "place": "", "online_url": "", "status": MeetingStatus.HELD,
             "uid": f"held-{n}@stafetten.se", "created_at": past, "updated_at": past}
            for n in range(HELD)
        ],
    )  # fmt: skip
    held = db.session.scalars(
        select(Meeting.id).where(Meeting.status == MeetingStatus.HELD).order_by(Meeting.id.desc())
    ).all()
    db.session.add_all(
        Rsvp(meeting_id=meeting_id, user_id=member.id, response="on_site")
        for meeting_id in [coming.id, *held[:ATTENDED]]
    )
    db.session.flush()
    db.session.execute(text("ANALYZE meeting"))
    db.session.execute(text("ANALYZE rsvp"))
    return member


def sent_coming(member) -> tuple[str, dict]:
    coming = []
    [sent] = sent_with(lambda: coming.extend(start_reads(member).coming), "rsvp.response")
    assert len(coming) == 1
    return sent


def generic_plan_rows(sql: str, params: dict) -> dict[str, int]:
    """The statement run as the plan kept for any values (what a worker's connection runs after
    five calls): rows read per table, as EXPLAIN ANALYZE counts them."""
    plan = kept_plan(sql, params, "ANALYZE, FORMAT JSON")[0][0][0]["Plan"]
    read: dict[str, int] = {}

    def visit(node: dict) -> None:
        if "Relation Name" in node:
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            read[node["Relation Name"]] = read.get(node["Relation Name"], 0) + rows
        for child in node.get("Plans", []):
            visit(child)

    visit(plan)
    return read


def test_the_kept_plan_reads_the_scheduled_meetings_not_every_one_held(member_with_history):
    sql, params = sent_coming(member_with_history)
    assert "'scheduled'" in sql  # written in, so that the kept plan knows it
    read = generic_plan_rows(sql, params)
    assert read.get("meeting", 0) <= 2, read  # the scheduled one (it read all HELD + 1)
