"""Does a prepared statement's one plan for every value (PostgreSQL's "generic plan") cost more
than a plan made for its values, for any statement of the realistic mix? (issue 17)

psycopg prepares a statement from its sixth use on a connection; PostgreSQL then plans it for its
values five times and, if one plan for any value looks as cheap, keeps that one. A read-only
request ends with no ROLLBACK (``hub.core.db.configure_postgres``), so prepared statements now
live as long as the worker's connection. For most statements the generic plan is the same plan
without the planning; for a statement whose best plan depends on its values (a big tag or a
small one) it can cost many times more: search's pool statement is never prepared for that
reason.

This builds the hub on a PostgreSQL database seeded with ``seed-demo --scale large``
(HUB_DATABASE_URL or --database-url), opens the mix's pages as many members with many filters
and questions, keeps each SELECT and the values it was sent with, and then sends each again
with every value set, once planned for its values (``plan_cache_mode = force_custom_plan``,
planning included) and once with the generic plan (``force_generic_plan``), best of three each.
It prints the statements, the one whose generic plan is slowest against its custom plan for
some value first.

    HUB_DATABASE_URL=postgresql+psycopg://…/large .venv/bin/python bench/plan_cache.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from render_cpu import build_app, production_env  # noqa: E402  (bench/ is not a package)

MEMBERS = 40  # members who open the pages, spread over the first 300
VALUES_KEPT = 60  # value sets kept per statement
TRIES = 3


def capture(database_url: str) -> dict[str, list]:
    """Each SELECT the mix's pages sent, with up to VALUES_KEPT distinct value sets."""
    from sqlalchemy import event, select, text

    from hub import warmup
    from hub.auth.models import User
    from hub.extensions import db

    app = build_app()
    with app.app_context():
        members = db.session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.id).limit(300)
        ).all()
        ids = [member.get_id() for member in members[:: max(1, len(members) // MEMBERS)]]
        pages = [*warmup.PAGES, *warmup.filtered_pages(members[0] if members else None)]
        values = lambda sql: db.session.scalars(text(sql)).all()  # noqa: E731
        codes = values('SELECT DISTINCT municipality_code FROM "user" LIMIT 12')
        tags = values("SELECT slug FROM tag ORDER BY id")
        questions = values("SELECT id FROM question ORDER BY random() LIMIT 60")
        questions += values("SELECT id FROM question ORDER BY id DESC LIMIT 20")
        engine = db.engine
        db.session.remove()
    filtered = [f"/katalog?kommun={code}" for code in codes if code]
    filtered += [f"/katalog?tagg={tag}" for tag in tags] + [f"/fragor?tagg={tag}" for tag in tags]
    filtered += [f"/fragor/{question}" for question in questions]
    seen: dict[str, list] = {}

    def keep(_connection, _cursor, statement, parameters, _context, executemany) -> None:
        if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        kept = seen.setdefault(statement, [])
        if len(kept) < VALUES_KEPT and parameters not in kept:
            kept.append(parameters)

    event.listen(engine, "before_cursor_execute", keep)
    client = app.test_client()
    for n, user_id in enumerate(ids):
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = False
        for page in pages + filtered[n :: len(ids)]:
            client.get(page, follow_redirects=True)
    return seen


def replay(database_url: str, seen: dict[str, list]) -> list[tuple]:
    """(worst generic/custom ratio, custom mean ms, generic mean ms, value sets, statement)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    found = []
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        for statement, value_sets in seen.items():
            if len(value_sets) < 3:  # a statement with one value set has nothing to compare
                continue
            times = {}
            for mode in ("force_custom_plan", "force_generic_plan"):
                conn.execute(f"SET plan_cache_mode = {mode}")
                times[mode] = [best_ms(conn, statement, values) for values in value_sets]
            custom, generic = times["force_custom_plan"], times["force_generic_plan"]
            worst = max(g / c for g, c in zip(generic, custom, strict=True))
            found.append(
                (worst, statistics.mean(custom), statistics.mean(generic), len(value_sets),
                 statement)
            )  # fmt: skip
            conn.execute("DEALLOCATE ALL")
            conn._prepared.clear()  # psycopg's own record of what it prepared
    return sorted(found, key=lambda row: row[0], reverse=True)


def best_ms(conn, statement: str, values) -> float:
    best = float("inf")
    for _ in range(TRIES):
        started = time.perf_counter()
        conn.execute(statement, values, prepare=True).fetchall()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("HUB_DATABASE_URL"))
    parser.add_argument("--show", type=int, default=15, help="how many statements to print")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        sys.exit("a PostgreSQL database seeded with seed-demo: --database-url or HUB_DATABASE_URL")
    production_env(args.database_url)
    seen = capture(args.database_url)
    rows = replay(args.database_url, seen)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {len(seen)} statements, "
        f"{sum(len(v) for v in seen.values())} value sets, load {os.getloadavg()[0]:.1f}\n"
    )
    print("| worst generic/custom | custom mean ms | generic mean ms | value sets | statement |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for worst, custom, generic, count, statement in rows[: args.show]:
        text = " ".join(statement.split())[:110].replace("|", "\\|")
        print(f"| {worst:.2f}× | {custom:.3f} | {generic:.3f} | {count} | `{text}…` |")


if __name__ == "__main__":
    main()
