"""Demo content: ``flask hub seed-demo``. Each part adds its own in ``hub/<part>/demo.py``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from importlib import import_module

from sqlalchemy import text

from hub.extensions import db

# The order matters: people before networks, networks before meetings and questions.
SEEDERS = [
    "hub.auth.demo",
    "hub.directory.demo",
    "hub.meetings.demo",
    "hub.forum.demo",
    "hub.digests.demo",
    "hub.material.demo",
]

DEMO_PASSWORD = "stafetten-demo"  # noqa: S105  (published in the README on purpose)


def seed(scale: str = "small") -> Iterator[str]:
    """Run every part's seeder; yields lines to print. Seeders skip what exists already."""
    from hub.directory.reference import load_reference_data

    load_reference_data()
    db.session.commit()
    rng = random.Random(1381)  # the same demo every time
    for name in SEEDERS:
        try:
            module = import_module(name)
        except ModuleNotFoundError:
            continue
        yield from module.seed(rng, scale) or ()
        db.session.commit()
    # Bulk inserts leave the planner without statistics; on SQLite it then prefers an equality
    # index over the list's partial sort index and sorts all 20,000 questions for every page.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    yield "Databasen: statistik för frågeplaneraren uppdaterad (ANALYZE)."
