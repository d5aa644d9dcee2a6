"""Which of the directory's page statements PostgreSQL plans at every call (issue 17).

Replays ``--requests`` of bench/realistic.py's directory pages (its filters, names and pages,
drawn with ``--seed``) for the demo ambassador in one process, on one pooled connection, then
reads that connection's ``pg_prepared_statements``: for each page statement (those that count
their people), how many executions used the plan PostgreSQL keeps for any value (generic) and
how many a plan made for the values (custom: planned at that call). psycopg prepares a statement
from its sixth execution, and PostgreSQL plans the first five for their values before it decides.
Counts, not times: they do not move with the machine's load.

    HUB_DATABASE_URL=postgresql+psycopg://…/large .venv/bin/python bench/directory_plans.py
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import realistic  # noqa: E402  (bench/ is not a package)
from render_cpu import build_app, default_database_url, production_env, sign_in  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    database_url = default_database_url()
    production_env(database_url)
    world = realistic.load_world(database_url, 1)
    app = build_app()
    client = app.test_client()
    sign_in(client)
    rng = random.Random(args.seed)
    for _ in range(args.requests):
        path = realistic.draw_page("directory", world, rng)[0]
        assert client.get(path).status_code == 200, path

    from sqlalchemy import text

    from hub.core.db import held_reader
    from hub.extensions import db

    with app.app_context():
        # The pages' reads run on the worker's held connection (hub.core.db.HeldReader),
        # where their statements are prepared: another connection has none.
        reader = held_reader(db.engine)
        connection = reader.connection() if reader is not None else db.engine.connect()
        if connection.dialect.name != "postgresql":
            sys.exit("PostgreSQL only: SQLite keeps no plans")
        rows = connection.execute(
            text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        ).all()
    pages = [row for row in rows if "AS total" in row.statement]
    generic = sum(row.generic_plans for row in pages)
    custom = sum(row.custom_plans for row in pages)
    print(f"{args.requests} directory requests, {len(pages)} page statements prepared")
    print(f"plans kept (generic) {generic}, plans made for the values (custom) {custom}")
    for row in sorted(pages, key=lambda row: -row.custom_plans):
        end = " ".join(row.statement.split())[-90:]
        print(f"  {row.generic_plans:5} {row.custom_plans:5}  …{end}")


if __name__ == "__main__":
    main()
