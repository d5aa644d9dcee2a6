"""Demo content: ``flask hub seed-demo``. Each part adds its own in ``hub/<part>/demo.py``."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import text

from hub.auth import demo as auth_demo
from hub.auth.demo import DEMO_PASSWORD
from hub.digests import demo as digests_demo
from hub.directory import demo as directory_demo
from hub.directory.reference import load_reference_data
from hub.extensions import db
from hub.forum import demo as forum_demo
from hub.material import demo as material_demo
from hub.meetings import demo as meetings_demo

# The order matters: people before networks, networks before meetings and questions.
SEEDERS = [
    auth_demo.seed,
    directory_demo.seed,
    meetings_demo.seed,
    forum_demo.seed,
    digests_demo.seed,
    material_demo.seed,
]
__all__ = ["DEMO_PASSWORD", "SEEDERS", "seed"]


def seed(scale: str = "small") -> Iterator[str]:
    """Run every part's seeder; yields lines to print. Seeders skip what exists already."""
    load_reference_data()
    db.session.commit()
    rng = random.Random(1381)  # the same demo every time
    for seeder in SEEDERS:
        yield from seeder(rng, scale) or ()
        db.session.commit()
    # Bulk inserts leave the planner without statistics; on SQLite it then prefers an equality
    # index over the list's partial sort index and sorts all 20,000 questions for every page.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    yield "Databasen: statistik för frågeplaneraren uppdaterad (ANALYZE)."
