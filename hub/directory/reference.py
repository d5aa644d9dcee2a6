"""Reference data that ships with the app: regions, municipalities (SCB codes), units, roles, areas.

Adding another Swedish municipality is data: add it here (and a migration that loads it) or in the
admin area.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.core.i18n import N_
from hub.extensions import db

REGIONS = [("01", N_("Stockholms län")), ("13", N_("Hallands län"))]

MUNICIPALITIES = [
    ("0114", "Upplands Väsby", "upplandsvasby.se"),
    ("0115", "Vallentuna", "vallentuna.se"),
    ("0117", "Österåker", "osteraker.se"),
    ("0120", "Värmdö", "varmdo.se"),
    ("0123", "Järfälla", "jarfalla.se"),
    ("0125", "Ekerö", "ekero.se"),
    ("0126", "Huddinge", "huddinge.se"),
    ("0127", "Botkyrka", "botkyrka.se"),
    ("0128", "Salem", "salem.se"),
    ("0136", "Haninge", "haninge.se"),
    ("0138", "Tyresö", "tyreso.se"),
    ("0139", "Upplands-Bro", "upplands-bro.se"),
    ("0140", "Nykvarn", "nykvarn.se"),
    ("0160", "Täby", "taby.se"),
    ("0162", "Danderyd", "danderyd.se"),
    ("0163", "Sollentuna", "sollentuna.se"),
    ("0180", "Stockholm", "stockholm.se"),
    ("0181", "Södertälje", "sodertalje.se"),
    ("0182", "Nacka", "nacka.se"),
    ("0183", "Sundbyberg", "sundbyberg.se"),
    ("0184", "Solna", "solna.se"),
    ("0186", "Lidingö", "lidingo.se"),
    ("0187", "Vaxholm", "vaxholm.se"),
    ("0188", "Norrtälje", "norrtalje.se"),
    ("0191", "Sigtuna", "sigtuna.se"),
    ("0192", "Nynäshamn", "nynashamn.se"),
    ("1315", "Hylte", "hylte.se"),
    ("1380", "Halmstad", "halmstad.se"),
    ("1381", "Laholm", "laholm.se"),
    ("1382", "Falkenberg", "falkenberg.se"),
    ("1383", "Varberg", "varberg.se"),
    ("1384", "Kungsbacka", "kungsbacka.se"),
]

STOCKHOLM_UNITS = [
    "Rinkeby-Kista",
    "Spånga-Tensta",
    "Hässelby-Vällingby",
    "Bromma",
    "Kungsholmen",
    "Norrmalm",
    "Östermalm",
    "Södermalm",
    "Enskede-Årsta-Vantör",
    "Farsta",
    "Hägersten-Älvsjö",
    "Skärholmen",
    "Skarpnäck",
]

ROLE_TYPES = [
    ("digitaliseringsambassador", N_("Digitaliseringsambassadör")),
    ("digitaliseringscoach", N_("Digitaliseringscoach")),
    ("digitaliseringsombud", N_("Digitaliseringsombud")),
    ("ikt-pedagog", N_("IKT-pedagog")),
    ("valfardsteknik-specialist", N_("Välfärdsteknik-specialist (undersköterska)")),
    ("samordnare", N_("Samordnare")),
    ("annan", N_("Annan")),
]

CARE_AREAS = [
    ("aldreomsorg", N_("Äldreomsorg")),
    ("funktionshinder", N_("Funktionshinder")),
    ("socialpsykiatri", N_("Socialpsykiatri")),
]


def load_reference_data(session: Session | None = None) -> int:
    """Insert whatever reference rows are missing; returns how many were added. Idempotent.

    Migrations pass their own session, bound to Alembic's connection.
    """
    from hub.directory.models import CareArea, EmailDomain, Municipality, Region, RoleType, Unit

    session = session or db.session
    added = 0

    def ensure(model, key, **values) -> None:
        nonlocal added
        if session.get(model, key) is None:
            session.add(model(**values))
            added += 1

    for code, name in REGIONS:
        ensure(Region, code, code=code, name=name)
    session.flush()
    for code, name, domain in MUNICIPALITIES:
        ensure(Municipality, code, scb_code=code, name=name, region_code=code[:2])
        session.flush()
        ensure(EmailDomain, domain, domain=domain, municipality_code=code)
    existing_units = set(session.scalars(select(Unit.name).where(Unit.municipality_code == "0180")))
    for name in STOCKHOLM_UNITS:
        if name not in existing_units:
            session.add(Unit(municipality_code="0180", name=name))
            added += 1
    for position, (slug, name) in enumerate(ROLE_TYPES):
        ensure(RoleType, slug, slug=slug, name=name, position=position)
    for position, (slug, name) in enumerate(CARE_AREAS):
        ensure(CareArea, slug, slug=slug, name=name, position=position)
    session.flush()
    return added
