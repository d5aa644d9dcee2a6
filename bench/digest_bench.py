"""Time the weekly digests for 2,000 members: ``.venv/bin/python bench/digest_bench.py``.

Builds a scratch database shaped like the large demo (2,000 members, 20,000 questions over a
year, follows, expertise, notifications, 500 meetings) with bulk inserts, then runs
``run_digests`` once and reports the time and the number of SQL statements.
Pass ``--database-url`` to use another (empty) database, e.g. PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from flask_migrate import upgrade
from sqlalchemy import event, insert, select

from config import TestConfig
from hub import create_app
from hub.auth.models import User
from hub.core.models import Tag, user_expertise
from hub.digests.schedule import current_period
from hub.extensions import db
from hub.forum.models import Answer, Category, Follow, Question, question_tag
from hub.meetings.models import Meeting, Network, NetworkMunicipality
from hub.notifications.models import Notification

CODES = ["1315", "1380", "1381", "1382", "1383", "1384", "0180", "0114", "0115", "0117"]


def fill(members: int, questions: int, now, rng: random.Random) -> None:
    db.session.execute(
        insert(User),
        [
            {
                "email": f"medlem{i}@bench.test",
                "name": f"Medlem {i}",
                "municipality_code": rng.choice(CODES),
                "email_confirmed_at": now,
            }
            for i in range(members)
        ],
    )
    db.session.execute(
        insert(Category), [{"slug": f"k{i}", "name": f"Kategori {i}"} for i in range(12)]
    )
    db.session.execute(insert(Tag), [{"slug": f"t{i}", "name": f"tagg{i}"} for i in range(150)])
    users = db.session.scalars(select(User.id)).all()
    categories = db.session.scalars(select(Category.id)).all()
    tags = db.session.scalars(select(Tag.id)).all()
    db.session.execute(
        insert(Question),
        [
            {
                "title": f"Fråga {i}",
                "author_id": rng.choice(users),
                "category_id": rng.choice(categories),
                "body_source": "x",
                "body_html": "<p>x</p>",
                "created_at": (at := now - timedelta(minutes=rng.randrange(365 * 24 * 60))),
                "last_activity_at": at,
                "answer_count": rng.choice([0, 0, 1, 2, 3, 5]),
            }
            for i in range(questions)
        ],
    )
    question_ids = db.session.scalars(select(Question.id)).all()
    db.session.execute(
        insert(question_tag),
        [
            {"question_id": q, "tag_id": t}
            for q in question_ids
            for t in rng.sample(tags, rng.randint(1, 3))
        ],
    )
    db.session.execute(
        insert(Answer),
        [
            {
                "question_id": rng.choice(question_ids),
                "author_id": rng.choice(users),
                "body_source": "svar",
                "body_html": "<p>svar</p>",
                "created_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
            }
            for _ in range(questions * 3)
        ],
    )
    follows = set()
    for user in users:
        for _ in range(rng.randint(0, 3)):
            follows.add((user, "category", rng.choice(categories)))
        for _ in range(rng.randint(0, 5)):
            follows.add((user, "tag", rng.choice(tags)))
        for _ in range(rng.randint(0, 8)):
            follows.add((user, "question", rng.choice(question_ids)))
    db.session.execute(
        insert(Follow),
        [{"user_id": u, "target_type": k, "target_id": t} for u, k, t in follows],
    )
    db.session.execute(
        insert(user_expertise),
        [{"user_id": u, "tag_id": t} for u in users for t in rng.sample(tags, rng.randint(0, 4))],
    )
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": rng.choice(users),
                "kind": rng.choice(["answer", "mention", "follow", "meeting", "baton"]),
                "text": "Något hände",
                "url": "/fragor/1",
                "created_at": now - timedelta(minutes=rng.randrange(14 * 24 * 60)),
            }
            for _ in range(members * 3)
        ],
    )
    for n in range(4):
        network = Network(slug=f"natverk-{n}", name=f"Nätverk {n}", baton_holder_code=CODES[n])
        network.members = [
            NetworkMunicipality(municipality_code=c, position=i)
            for i, c in enumerate(CODES[n * 2 : n * 2 + 4])
        ]
        db.session.add(network)
    db.session.flush()
    networks = db.session.scalars(select(Network.id)).all()
    db.session.execute(
        insert(Meeting),
        [
            {
                "network_id": rng.choice(networks),
                "host_code": rng.choice(CODES),
                "title": f"Träff {i}",
                "starts_at": (at := now + timedelta(days=rng.randint(-300, 200))),
                "ends_at": at + timedelta(hours=2),
                "uid": f"bench-{i}@stafetten.test",
                "created_at": at - timedelta(days=30),
                "updated_at": at - timedelta(days=30),
            }
            for i in range(500)
        ],
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=20000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    from hub.core.db import utcnow
    from hub.digests.run import run_digests

    with app.app_context():
        upgrade()
        now = current_period("weekly", utcnow()).ends_at + timedelta(minutes=5)
        started = time.perf_counter()
        fill(args.members, args.questions, now, random.Random(1381))
        print(f"Data: {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        started = time.perf_counter()
        if "--profile" in sys.argv:
            import cProfile
            import pstats

            cProfile.runctx(
                "run_digests(now)",
                globals(),
                {"run_digests": run_digests, "now": now},
                profile_file := str(Path(tempfile.mkdtemp()) / "digest.prof"),
            )
            pstats.Stats(profile_file).sort_stats("cumtime").print_stats(25)
            return
        run = run_digests(now)
        elapsed = time.perf_counter() - started
        print(
            f"run_digests: {args.members} members, {run.sent} digests queued, "
            f"{run.empty} empty, {elapsed:.2f} s, {len(statements)} SQL statements"
        )


if __name__ == "__main__":
    main()
