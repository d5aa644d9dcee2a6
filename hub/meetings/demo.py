"""Demo networks: Halland (Laholm holds the baton) and Stockholm with the DigIT municipalities."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.meetings.models import Network, NetworkMunicipality

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
