"""Demo profiles: care areas, workplaces, presentations, expertise and privacy choices.

Runs after ``hub.auth.demo`` has created the people; fills the profiles of everyone who has none,
with bulk inserts so that the large scales (2,000 and 20,000 people) take seconds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import insert, select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.core.models import user_expertise
from hub.core.tags import get_or_create_tags, tag_slug
from hub.directory.models import Profile, Visibility, profile_care_area
from hub.extensions import db

EXPERTISE = [
    "surfplattor",
    "digitala lås",
    "läkemedelsrobot",
    "videosamtal",
    "Teams",
    "e-lärande",
    "välfärdsteknik",
    "nattkamera",
    "lösenord",
    "trygghetslarm",
    "GPS-larm",
    "sensorer",
    "digital tillsyn",
    "appar för kommunikation",
    "bildstöd",
    "sociala medier",
    "journalsystem",
    "informationssäkerhet",
    "robotdammsugare",
    "digitala aktiviteter",
]

WORKPLACES = {
    "aldreomsorg": [
        "Solgläntans äldreboende",
        "Hemtjänst Centrum",
        "Hemtjänst Norr",
        "Lindängens vård- och omsorgsboende",
        "Björkhagens äldreboende",
        "Trygg hemgång",
        "Nattpatrullen hemtjänst",
        "Korttidsboendet Vallmon",
    ],
    "funktionshinder": [
        "Daglig verksamhet Kastanjen",
        "LSS-boendet Tallbacken",
        "Gruppbostad Ekhagen",
        "Personlig assistans Syd",
        "Daglig verksamhet Verkstan",
        "Servicebostad Lärkan",
    ],
    "socialpsykiatri": [
        "Boendestöd Väster",
        "Boendestöd Öster",
        "Träffpunkt Fyren",
        "Stödboendet Almen",
    ],
}

OPENINGS = [
    "Jag är undersköterska och har jobbat i {area} i {years} år.",
    "Jag jobbar som undersköterska på {workplace} sedan {years} år tillbaka.",
    "Jag har arbetat inom {area} i {years} år, de senaste åren på {workplace}.",
    "Jag började som vikarie i {area} och har nu varit här i {years} år.",
]
MIDDLES = [
    "Som ambassadör hjälper jag kollegorna med **{tag}** och det mesta som rör {tag2}.",
    "Jag har lett införandet av **{tag}** i vår verksamhet och delar gärna det vi lärt oss.",
    "Just nu testar vi {tag} på nattpasset, och jag skriver ner allt som fungerar och inte.",
    "Jag håller korta genomgångar om {tag} och {tag2} på arbetsplatsträffarna.",
    "Mina kollegor frågar mig mest om {tag}. Ingen fråga är för liten!",
]
CLOSINGS = [
    "Hör gärna av dig om du har frågor om {tag}.",
    "Ring eller skriv, så hjälps vi åt.",
    "Vi ses på nästa nätverksträff!",
    "Jag vill gärna lära mig mer om {tag2}, så tipsa mig gärna.",
    "",
]
AREA_NAMES = {
    "aldreomsorg": "äldreomsorgen",
    "funktionshinder": "funktionshinderomsorgen",
    "socialpsykiatri": "socialpsykiatrin",
}

# Number series that PTS keeps for use in fiction, so no demo number reaches a real person.
PHONE_SERIES = [
    ("08-465 004 ", range(0, 100)),
    ("031-390 06 ", range(0, 100)),
    ("040-628 04 ", range(0, 100)),
    ("0980-319 2", range(0, 100)),
    ("070-174 06 ", range(5, 100)),
]

FIXED_PROFILES = {
    "ambassador@demo.stafetten.se": {
        "areas": ["aldreomsorg"],
        "workplace": "Solgläntans äldreboende",
        "tags": ["surfplattor", "videosamtal", "digitala lås"],
        "presentation": (
            "Jag är undersköterska på Solgläntan i Laholm och digitaliseringsombud sedan 2019.\n\n"
            "Vi har infört **surfplattor** för videosamtal med anhöriga och **digitala lås** i "
            "hemtjänsten. Fråga mig gärna om hur vi fick med oss alla kollegor!"
        ),
        "email": Visibility.MEMBERS,
        "phone": Visibility.MEMBERS,
    },
    "samordnare@demo.stafetten.se": {
        "areas": ["aldreomsorg", "funktionshinder"],
        "workplace": "Vård och omsorg, förvaltningskontoret",
        "tags": ["välfärdsteknik", "e-lärande", "Teams"],
        "presentation": (
            "Jag samordnar digitaliseringsnätverket i Halland tillsammans med kommunerna.\n\n"
            "Hör av dig om du vill vara med, eller om din kommun vill ta stafettpinnen!"
        ),
        "email": Visibility.MEMBERS,
        "phone": Visibility.COORDINATORS,
    },
    "admin@demo.stafetten.se": {
        "areas": [],
        "workplace": "Stafettens förvaltning",
        "tags": ["informationssäkerhet", "lösenord"],
        "presentation": "Jag sköter Stafetten tekniskt. Skriv om något inte fungerar.",
        "email": Visibility.MEMBERS,
        "phone": Visibility.NOBODY,
    },
}


def seed(rng: random.Random, scale: str) -> Iterator[str]:
    people = db.session.execute(
        select(User.id, User.email)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(Profile.user_id.is_(None))
        .order_by(User.id)
    ).all()
    if not people:
        yield "Profilerna finns redan."
        return
    tag_ids = ensure_tags(EXPERTISE + [t for p in FIXED_PROFILES.values() for t in p["tags"]])
    profiles, areas, expertise = [], [], []
    rendered: dict[str, str] = {}
    for user_id, email in people:
        plan = FIXED_PROFILES.get(email) or random_plan(rng)
        source = plan["presentation"]
        if source not in rendered:
            rendered[source] = render_markdown(source)
        profiles.append(
            {
                "user_id": user_id,
                "workplace": plan["workplace"],
                "presentation_source": source,
                "presentation_html": rendered[source],
                "work_phone": plan.get("phone_number") or fake_phone(rng),
                "email_visibility": plan["email"],
                "phone_visibility": plan["phone"],
                "hidden_from_directory": plan.get("hidden", False),
                "photo_version": 0,
                "updated_at": utcnow(),
            }
        )
        areas += [{"user_id": user_id, "care_area_slug": slug} for slug in plan["areas"]]
        expertise += [{"user_id": user_id, "tag_id": tag_ids[tag_slug(t)]} for t in plan["tags"]]
    db.session.execute(insert(Profile), profiles)
    if areas:
        db.session.execute(insert(profile_care_area), areas)
    if expertise:
        db.session.execute(insert(user_expertise), expertise)
    db.session.flush()
    yield f"Fyllde i {len(profiles)} profiler med områden, arbetsplatser och kunskaper."


def ensure_tags(names: list[str]) -> dict[str, int]:
    """Tag ids by slug, creating the demo's tags that the forum has not created already."""
    return {tag.slug: tag.id for tag in get_or_create_tags(names)}


def random_plan(rng: random.Random) -> dict:
    main_area = rng.choices(list(WORKPLACES), weights=[6, 3, 2])[0]
    other_areas = [a for a in WORKPLACES if a != main_area]
    areas = [main_area] + ([rng.choice(other_areas)] if rng.random() < 0.2 else [])
    tags = rng.sample(EXPERTISE, rng.randint(1, 4))
    workplace = rng.choice(WORKPLACES[main_area])
    words = {
        "area": AREA_NAMES[main_area],
        "workplace": workplace,
        "years": rng.randint(2, 25),
        "tag": tags[0],
        "tag2": tags[-1] if len(tags) > 1 else rng.choice(EXPERTISE),
    }
    parts = [rng.choice(OPENINGS), rng.choice(MIDDLES), rng.choice(CLOSINGS)]
    presentation = "\n\n".join(p.format(**words) for p in parts if p) if rng.random() < 0.85 else ""
    email, phone = rng.choices(
        [
            (Visibility.MEMBERS, Visibility.MEMBERS),
            (Visibility.MEMBERS, Visibility.COORDINATORS),
            (Visibility.COORDINATORS, Visibility.COORDINATORS),
            (Visibility.MEMBERS, Visibility.NOBODY),
            (Visibility.NOBODY, Visibility.NOBODY),
        ],
        weights=[55, 20, 10, 10, 5],
    )[0]
    return {
        "areas": areas,
        "workplace": workplace,
        "tags": tags,
        "presentation": presentation,
        "email": email,
        "phone": phone,
        "hidden": rng.random() < 0.04,
    }


def fake_phone(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return ""
    prefix, numbers = rng.choice(PHONE_SERIES)
    return f"{prefix}{rng.choice(numbers):02d}"
