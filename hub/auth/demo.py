"""Demo people across the 32 municipalities, and the three fixed demo accounts."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select

from hub.auth.invitations import VALID_FOR
from hub.auth.last_seen import today
from hub.auth.models import Invitation, Role, User
from hub.auth.passwords import hash_password
from hub.auth.tokens import hash_token, new_random_token
from hub.core.db import utcnow
from hub.demo_sizes import demo_size
from hub.directory.models import Unit
from hub.directory.reference import MUNICIPALITIES
from hub.extensions import db

DEMO_PASSWORD = "stafetten-demo"  # noqa: S105  (published in the README on purpose)

FIRST_NAMES = [
    "Anna",
    "Maria",
    "Fatima",
    "Eva",
    "Karin",
    "Sara",
    "Lena",
    "Amina",
    "Johanna",
    "Elin",
    "Linda",
    "Malin",
    "Hanna",
    "Emma",
    "Ida",
    "Sofia",
    "Zeynep",
    "Aisha",
    "Marie",
    "Camilla",
    "Jessica",
    "Helena",
    "Nadia",
    "Ulla",
    "Birgitta",
    "Mohammed",
    "Erik",
    "Johan",
    "Ahmed",
    "Anders",
    "Mikael",
    "Peter",
    "Omar",
    "Daniel",
    "Jonas",
    "Ali",
    "Tomas",
    "Fredrik",
    "Samir",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Lindqvist",
    "Berg",
    "Holm",
    "Ahmadi",
    "Hassan",
    "Yilmaz",
    "Mohammadi",
    "Nieminen",
    "Korhonen",
    "Ali",
    "Ek",
    "Sandberg",
    "Lund",
    "Forsberg",
    "Åberg",
    "Öberg",
    "Bergström",
    "Hedlund",
    "Sjöberg",
]

# What each municipality calls the role (role type slug, title).
TITLES = {
    "1384": ("digitaliseringscoach", "Digitaliseringscoach"),
    "1381": ("digitaliseringsombud", "Digitaliseringsombud"),
    "1380": ("ikt-pedagog", "IKT-pedagog"),
    "1315": ("valfardsteknik-specialist", "Undersköterska, specialist i välfärdsteknik"),
    "1383": ("valfardsteknik-specialist", "Undersköterska, specialist i välfärdsteknik"),
}
DEFAULT_TITLE = ("digitaliseringsambassador", "Digitaliseringsambassadör")

FIXED_ACCOUNTS = [
    ("ambassador@demo.stafetten.se", "Lina Ambassadör", Role.MEMBER, "1381"),
    ("samordnare@demo.stafetten.se", "Samir Samordnare", Role.COORDINATOR, "1383"),
    ("admin@demo.stafetten.se", "Agnes Admin", Role.ADMIN, "1380"),
]


def slugify_name(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".")


def make_person(email: str, name: str, role: str, code: str, password_hash: str) -> User:
    role_type, title = TITLES.get(code, DEFAULT_TITLE)
    if role == Role.COORDINATOR:
        role_type, title = "samordnare", "Samordnare digitalisering"
    return User(
        email=email,
        name=name,
        role=role,
        password_hash=password_hash,
        email_confirmed_at=utcnow(),
        municipality_code=code,
        role_type_slug=role_type,
        title=title,
    )


def last_seen_day(visits: random.Random) -> date | None:
    """Most demo people were in lately, some months ago and a few never: the health page's mix."""
    roll = visits.random()
    if roll < 0.1:
        return None
    days = visits.randint(0, 60) if roll < 0.75 else visits.randint(91, 400)
    return today() - timedelta(days=days)


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    if db.session.scalar(select(User).where(User.email == FIXED_ACCOUNTS[0][0])):
        yield "Demokonton finns redan; inga nya personer skapas."
        yield from describe_accounts()
        return
    password_hash = hash_password(
        DEMO_PASSWORD
    )  # one hash shared by all demo people: seeding stays fast
    for email, name, role, code in FIXED_ACCOUNTS:
        db.session.add(make_person(email, name, role, code, password_hash))
    units = db.session.scalars(select(Unit).where(Unit.municipality_code == "0180")).all()
    per_municipality = demo_size(scale).people_per_municipality
    used: set[str] = set()
    # A generator of its own, so the other seeders' random data stays as it was.
    visits = random.Random(20)
    for code, _name, domain in MUNICIPALITIES:
        for _ in range(per_municipality):
            name = unique_name(rng, used)
            person = make_person(
                f"{slugify_name(name)}@{domain}", name, Role.MEMBER, code, password_hash
            )
            if code == "0180" and units:
                person.unit_id = rng.choice(units).id
            person.last_seen_on = last_seen_day(visits)
            db.session.add(person)
    db.session.flush()
    yield f"Skapade {len(used) + len(FIXED_ACCOUNTS)} personer i {len(MUNICIPALITIES)} kommuner."
    yield from seed_invitations()
    yield from describe_accounts()


# (address, municipality, days since sent): the health page's invitation columns have figures.
DEMO_INVITATIONS = [
    ("ny.kollega@laholm.se", "1381", 2),
    ("ombud.vastra@varberg.se", "1383", 5),
    ("coach.hylte@hylte.se", "1315", 20),
    ("ikt.pedagog@halmstad.se", "1380", 30),
]


def seed_invitations() -> Iterator[str]:
    """A few open invitations from the demo coordinator, two of them expired."""
    inviter = db.session.scalar(select(User).where(User.email == FIXED_ACCOUNTS[1][0]))
    for address, code, days in DEMO_INVITATIONS:
        sent = utcnow() - timedelta(days=days)
        db.session.add(
            Invitation(
                email=address,
                token_hash=hash_token(new_random_token()),  # nobody knows the link
                invited_by_id=inviter.id if inviter else None,
                municipality_code=code,
                created_at=sent,
                expires_at=sent + VALID_FOR,
            )
        )
    db.session.flush()
    yield f"Skapade {len(DEMO_INVITATIONS)} öppna inbjudningar."


def unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(FIRST_NAMES)[0]}. {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name


def describe_accounts() -> Iterator[str]:
    yield "Logga in med något av demokontona (lösenord: " + DEMO_PASSWORD + "):"
    for email, _name, role, _code in FIXED_ACCOUNTS:
        yield f"  {email}  ({role})"
