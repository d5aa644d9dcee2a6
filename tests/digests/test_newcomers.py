""" "New in the network" in the weekly digest: listed people confirmed in the week, in a network
the member belongs to."""

from __future__ import annotations

from datetime import timedelta

from hub.digests.compose import compose_batch
from hub.digests.run import load_members
from hub.digests.schedule import current_period
from hub.directory.models import Profile
from hub.extensions import db


def test_the_weekly_digest_names_the_networks_newcomers(create_user, create_network):
    def person(confirmed_at, **fields):
        user = create_user(**fields)
        user.email_confirmed_at = confirmed_at
        return user

    weekly = current_period("weekly", current_period("weekly", _now()).ends_at + timedelta(days=7))
    in_week = weekly.starts_at + timedelta(days=1)
    create_network(codes=("1381", "1383"))
    create_network(codes=("0180",))
    member = person(in_week, municipality_code="1381")
    newcomer = person(in_week, name="Nora Ny", municipality_code="1383", title="IKT-pedagog")
    hidden = person(in_week, municipality_code="1383")
    db.session.add(Profile(user_id=hidden.id, hidden_from_directory=True))
    person(in_week, municipality_code="0180")  # another network
    person(weekly.starts_at - timedelta(days=1), municipality_code="1383")
    db.session.commit()

    members = [m for m in load_members(weekly, 0, 1000) if m.id in (member.id, newcomer.id)]
    digests = {d.member.id: d for d in compose_batch(members, weekly)}
    assert [(p.name, p.title, p.municipality_name) for p in digests[member.id].newcomers] == [
        ("Nora Ny", "IKT-pedagog", "Varberg")
    ]
    assert digests[member.id].news_count >= 1
    # The newcomer sees the member (also new that week), never themselves.
    assert [p.id for p in digests[newcomer.id].newcomers] == [member.id]

    daily = current_period("daily", in_week + timedelta(hours=12))
    assert all(d.newcomers == [] for d in compose_batch(members, daily))


def _now():
    from hub.core.db import utcnow

    return utcnow()
