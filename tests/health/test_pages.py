"""The health page and its CSV: who may see them, what they show, and what they cost."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.directory.models import Municipality
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from hub.meetings.models import Meeting, Rsvp


def test_who_may_see_the_health_page(client, login, create_user, health_world):
    slug = health_world.network.slug
    assert client.get(f"/natverk/{slug}/halsa").status_code == 302  # to the login page
    login(health_world.users["Anna"])
    assert client.get(f"/natverk/{slug}/halsa").status_code == 403
    client.post("/logga-ut", data={"csrf_token": _token(client)})
    login(health_world.users["Stina"])  # coordinator of another network
    assert client.get(f"/natverk/{slug}/halsa").status_code == 403
    assert client.get(f"/natverk/{slug}/halsa.csv").status_code == 403
    assert client.get("/natverk/finns-inte/halsa").status_code == 404


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client.get("/installningar").text)


def test_the_coordinator_sees_counts_charts_and_own_names(client, login, health_world):
    login(health_world.users["Gunilla"])
    response = client.get(f"/natverk/{health_world.network.slug}/halsa")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.text
    assert (
        "<svg" in page
        and 'aria-hidden="true"' in page
        and "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    )
    assert "Laholm" in page and "Varberg" in page and "Halmstad" in page
    assert "Hugo Person" in page  # Halmstad is the coordinator's own municipality
    assert "Bertil Person" not in page  # Laholm's inactive members are only counted
    assert "Ines Person" not in page  # hidden from the directory
    assert "Träff M3" in page


def test_an_admin_sees_the_page_without_names(client, login, create_user, health_world):
    login(create_user(role=Role.ADMIN, municipality_code=None))
    page = client.get(f"/natverk/{health_world.network.slug}/halsa").text
    assert "Hugo Person" not in page and "Bertil Person" not in page
    assert "Inte inne på 90 dagar" not in page


def test_the_csv_holds_the_same_figures(client, login, health_world):
    login(health_world.users["Gunilla"])
    response = client.get(f"/natverk/{health_world.network.slug}/halsa.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "halsa.csv" in response.headers["Content-Disposition"]
    rows = [line.split(";") for line in response.text.lstrip("\ufeff").splitlines()]
    assert rows[0] == ["Kommun", "Mått", "Värde"]
    figures = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert figures["Laholm", "Listade i katalogen"] == "3"
    assert figures["Laholm", "Bekräftade konton"] == "3"
    assert figures["Halmstad", "Inne de senaste 90 dagarna"] == "1"
    assert figures["Laholm", "Inbjudningar som väntar"] == "0"  # expired by now (Dec 2026)
    assert figures["Laholm", "Inbjudningar som gått ut"] == "2"
    assert figures["Laholm", "Kom till Träff M2"] == "2"
    assert figures["", "Håller stafettpinnen"] == "Laholm"
    assert figures["", "Träffar 2025"] == "2"
    assert "Hugo Person" not in response.text  # no names in the CSV


def big_network(create_network, coordinator, *, codes, members_per_code, questions):
    """A network with many members, questions, answers and RSVPs, written in bulk."""
    network = create_network(codes=tuple(codes), coordinators=[coordinator])
    network.baton_holder_code = codes[0]
    now = utcnow()
    rng = random.Random(7)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"n{network.id}-{code}-{i}@example.se",
                "name": f"Medlem {code} {i}",
                "municipality_code": code,
                "email_confirmed_at": now,
                "last_seen_on": (now - timedelta(days=rng.randint(0, 200))).date(),
            }
            for code in codes
            for i in range(members_per_code)
        ],
    )
    ids = db.session.scalars(select(User.id).where(User.email.like(f"n{network.id}-%"))).all()
    category = Category(slug=f"stor-{network.id}", name="Stor")
    db.session.add(category)
    meeting = Meeting(
        network_id=network.id,
        host_code=codes[0],
        title="Stor träff",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=10) + timedelta(hours=2),
        status="held",
        uid=f"stor-{network.id}@stafetten.test",
    )
    db.session.add(meeting)
    db.session.flush()
    db.session.execute(
        insert(Rsvp), [{"meeting_id": meeting.id, "user_id": i, "response": "on_site"} for i in ids]
    )
    for n in range(questions):
        asked = now - timedelta(days=n % 300)
        question = Question(
            author_id=ids[n % len(ids)],
            category_id=category.id,
            title=f"Fråga {n}",
            body_source="?",
            body_html="<p>?</p>",
            created_at=asked,
        )
        db.session.add(question)
        db.session.flush()
        if n % 3:
            db.session.add(
                Answer(
                    question_id=question.id,
                    author_id=ids[0],
                    body_source="!",
                    body_html="<p>!</p>",
                    created_at=asked + timedelta(hours=n % 50),
                )
            )
    db.session.commit()
    return network


def test_the_page_costs_the_same_statements_for_3_or_26_municipalities(
    client, login, create_user, create_network, count_queries
):
    stockholm = db.session.scalars(
        select(Municipality.scb_code).where(Municipality.region_code == "01")
    ).all()
    assert len(stockholm) == 26
    coordinator = create_user(role=Role.COORDINATOR, municipality_code=stockholm[0])
    small = big_network(
        create_network, coordinator, codes=stockholm[:3], members_per_code=2, questions=3
    )
    large = big_network(
        create_network, coordinator, codes=stockholm, members_per_code=77, questions=300
    )
    assert db.session.query(User).filter(User.municipality_code.in_(stockholm)).count() >= 2000
    login(coordinator)
    counts = []
    for network in (small, large):
        with count_queries() as counter:
            assert client.get(f"/natverk/{network.slug}/halsa").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 16, counts
