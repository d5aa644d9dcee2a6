"""Demo networks: Halland (Laholm holds the baton) and Stockholm with the DigIT municipalities."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.demo_sizes import demo_size
from hub.extensions import db
from hub.meetings import rotation
from hub.meetings.models import (
    BatonPass,
    Meeting,
    MeetingStatus,
    Network,
    NetworkMunicipality,
    Rsvp,
    TopicSuggestion,
    TopicVote,
)

NETWORKS = [
    (
        "halland",
        "Digitaliseringsnätverket Halland",
        "Nätverket som växte fram ur Digga Halland. Vi ses varje kvartal, och värdskapet går "
        "runt mellan kommunerna som en stafettpinne.",
        ["1383", "1315", "1384", "1381", "1380", "1382"],
        "samordnare@demo.stafetten.se",
    ),
    (
        "stockholm",
        "DigIT-nätverket Stockholm",
        "Digitaliseringsambassadörer från Stockholms stad och kommunerna som var med i DigIT.",
        ["0180", "0127", "0126", "0181", "0136", "0182", "0184", "0183"],
        "admin@demo.stafetten.se",
    ),
]


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    yield from seed_networks()
    db.session.flush()
    yield from seed_halland_relay(rng)
    yield from seed_stockholm(rng)
    size = demo_size(scale)
    if size.bench_meetings:
        yield from seed_many_meetings(size.bench_meetings, size.meeting_every_days)


def seed_networks() -> Iterator[str]:
    for slug, name, description, codes, coordinator_email in NETWORKS:
        if db.session.scalar(select(Network).where(Network.slug == slug)):
            continue
        network = Network(slug=slug, name=name, description=description, rhythm_months=3)
        network.members = [
            NetworkMunicipality(municipality_code=code, position=i) for i, code in enumerate(codes)
        ]
        coordinator = db.session.scalar(select(User).where(User.email == coordinator_email))
        network.coordinators = [coordinator] if coordinator else []
        db.session.add(network)
        yield f"Skapade nätverket {name}."


HALLAND_MINUTES = [
    (
        "1383",
        "Första nätverksträffen efter Digga Halland",
        "Varbergs stadshus, sal Kattegatt",
        "## Vad vi pratade om\n\n"
        "- Vi presenterade oss: ombud, coacher och IKT-pedagoger från sex kommuner.\n"
        "- Många är ensamma i sin roll på arbetsplatsen och vill kunna fråga varandra.\n"
        "- Läkemedelsrobotar: Varberg och Hylte delar sina erfarenheter.\n\n"
        "## Beslut\n\n"
        "- Vi ses varje kvartal. Värdskapet går runt som en stafettpinne.\n"
        "- Hylte tar stafettpinnen och bjuder in till nästa träff.",
    ),
    (
        "1315",
        "Nätverksträff i Hylte: nyckelfria lås och digitala tillsynsbesök",
        "Hylte kommunhus, Landerydsgatan",
        "## Vad vi pratade om\n\n"
        "- Nyckelfria lås i hemtjänsten: så fick Hylte med sig personalgrupperna.\n"
        "- Digitala tillsynsbesök på natten – vad säger brukarna?\n\n"
        "## Till nästa gång\n\n"
        "- Kungsbacka tar stafettpinnen.",
    ),
]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    from hub.meetings.localtime import stockholm_to_utc

    return stockholm_to_utc(day, time(hour, minute))


def today() -> date:
    from hub.core.i18n import STOCKHOLM

    return datetime.now(STOCKHOLM).date()


def weekday_ago(days: int) -> date:
    day = today() - timedelta(days=days)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def weekday_ahead(days: int) -> date:
    day = today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def make_meeting(network: Network, host: str, title: str, place: str, day: date, **fields):
    from hub.core.markdown import render_markdown
    from hub.meetings.scheduling import new_uid

    starts = local(day, 9, 30)
    meeting = Meeting(
        network_id=network.id,
        host_code=host,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place=place,
        uid=new_uid(),
        sequence=0,
        created_at=starts - timedelta(days=40),
        updated_at=starts - timedelta(days=40),
        **fields,
    )
    for part in ("agenda", "minutes"):
        source = fields.get(f"{part}_source")
        if source:
            setattr(meeting, f"{part}_html", render_markdown(source))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def baton_pass(network: Network, from_code, to_code, when, kind, reason="", meeting=None) -> None:
    assert network.baton_holder_code == from_code, "the demo history must hang together"
    rotation.record_past_pass(
        network, to_code, reason_kind=kind, at=when, reason=reason, meeting=meeting
    )


def members_of(codes: list[str], limit: int) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).where(User.municipality_code.in_(codes)).order_by(User.id).limit(limit)
        )
    )


def add_rsvps(rng: random.Random, meeting: Meeting, user_ids: list[int]) -> None:
    for user_id in user_ids:
        response = rng.choice(["on_site", "on_site", "online", "not_coming"])
        db.session.add(Rsvp(meeting_id=meeting.id, user_id=user_id, response=response))


def has_history(network: Network) -> bool:
    return bool(db.session.scalar(select(BatonPass.id).where(BatonPass.network_id == network.id)))


def seed_halland_relay(rng: random.Random) -> Iterator[str]:
    """Varberg hosted the first meeting, Hylte the second; Kungsbacka passed on; Laholm holds."""
    network = db.session.scalar(select(Network).where(Network.slug == "halland"))
    if network is None or has_history(network):
        return
    codes = ["1383", "1315", "1384", "1381", "1380", "1382"]
    start = local(weekday_ago(400), 8)
    baton_pass(
        network, None, "1383", start, "start", "Nätverket startade när Digga Halland slutade."
    )
    people = members_of(codes, 24)
    days_ago = [300, 190]
    for i, (host, title, place, minutes) in enumerate(HALLAND_MINUTES):
        meeting = make_meeting(
            network, host, title, place, weekday_ago(days_ago[i]),
            status=MeetingStatus.HELD,
            agenda_source="- Välkommen och presentationsrunda\n- Erfarenheter\n- Nästa värd",
            minutes_source=minutes,
        )  # fmt: skip
        meeting.held_at = meeting.ends_at
        add_rsvps(rng, meeting, rng.sample(people, min(10, len(people))))
        baton_pass(network, host, codes[i + 1], meeting.ends_at, "meeting_held", "", meeting)
    baton_pass(
        network, "1384", "1381", local(weekday_ago(35), 14), "passed_on",
        "Vi har flera nya medarbetare att introducera i höst och hinner inte vara värd. "
        "Laholm tar stafettpinnen och samlar ihop nätverket till nästa möte.",
    )  # fmt: skip
    yield "Halland: Varberg och Hylte har varit värdar, Laholm håller stafettpinnen."


def seed_stockholm(rng: random.Random) -> Iterator[str]:
    """A held meeting with minutes, and an upcoming one with topics and answers."""
    network = db.session.scalar(select(Network).where(Network.slug == "stockholm"))
    if network is None or has_history(network):
        return
    codes = ["0180", "0127", "0126", "0181", "0136", "0182", "0184", "0183"]
    baton_pass(network, None, "0180", local(weekday_ago(260), 8), "start")
    held = make_meeting(
        network, "0180", "DigIT-nätverket ses igen", "Stadshuset, Stockholm", weekday_ago(120),
        status=MeetingStatus.HELD,
        minutes_source="## Vad vi pratade om\n\n- Hur vi håller liv i ambassadörsrollen när "
        "projektet är slut.\n- Digital fritid på särskilda boenden.\n\n## Beslut\n\n"
        "- Botkyrka är värd nästa gång.",
    )  # fmt: skip
    held.held_at = held.ends_at
    people = members_of(codes, 40)
    add_rsvps(rng, held, rng.sample(people, min(14, len(people))))
    baton_pass(network, "0180", "0127", held.ends_at, "meeting_held", "", held)
    upcoming = make_meeting(
        network, "0127", "Vårens nätverksträff: välfärdsteknik i vardagen",
        "Botkyrka kommunhus, Munkhättevägen 45", weekday_ahead(21),
        status=MeetingStatus.SCHEDULED, open_slot=1, capacity=25,
        online_url="https://teams.microsoft.com/l/meetup-join/demo",
        agenda_source="- Välkommen till Botkyrka\n- Läkemedelsrobotar ett år senare\n"
        "- Frågor från forumet",
    )  # fmt: skip
    upcoming.created_at = upcoming.updated_at = utcnow()
    add_rsvps(rng, upcoming, rng.sample(people, min(12, len(people))))
    topics = [
        "Hur får vi med nattpersonalen på digitala tillsynsbesök?",
        "Surfplattor till brukare – vem äger och laddar dem?",
        "Tips på korta filmer för att lära ut nya appar",
    ]
    for text in topics:
        author = rng.choice(people)
        suggestion = TopicSuggestion(meeting_id=upcoming.id, user_id=author, text=text)
        db.session.add(suggestion)
        db.session.flush()
        for voter in rng.sample(people, rng.randint(1, 6)):
            db.session.add(TopicVote(suggestion_id=suggestion.id, user_id=voter))
    yield "Stockholm: en genomförd träff och en kommande träff i Botkyrka."


def seed_many_meetings(total: int, every_days: int) -> Iterator[str]:
    """Older held meetings for the benchmarks, one every ``every_days``, inserted in bulk."""
    existing = db.session.scalar(select(func.count()).select_from(Meeting)) or 0
    if existing >= total:
        return
    from hub.meetings.scheduling import new_uid

    networks = db.session.execute(select(Network.id, Network.slug)).all()
    codes = {
        network_id: list(
            db.session.scalars(
                select(NetworkMunicipality.municipality_code)
                .where(NetworkMunicipality.network_id == network_id)
                .order_by(NetworkMunicipality.position)
            )
        )
        for network_id, _slug in networks
    }
    rows = []
    for i in range(total - existing):
        network_id, _slug = networks[i % len(networks)]
        starts = local(weekday_ago(420 + every_days * i), 9, 30)
        rows.append(
            {
                "network_id": network_id,
                "host_code": codes[network_id][i % len(codes[network_id])],
                "title": f"Nätverksträff {i + 1}",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "place": "Kommunhuset",
                "online_url": "",
                "agenda_source": "- Erfarenheter\n- Nästa värd",
                "agenda_html": "<ul>\n<li>Erfarenheter</li>\n<li>Nästa värd</li>\n</ul>\n",
                "minutes_source": "",
                "minutes_html": "",
                "status": "held",
                "held_at": starts + timedelta(hours=3),
                "uid": new_uid(),
                "sequence": 0,
                "created_at": starts - timedelta(days=30),
                "updated_at": starts - timedelta(days=30),
            }
        )
    db.session.execute(insert(Meeting), rows)
    yield f"Skapade {len(rows)} äldre träffar."
