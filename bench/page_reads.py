"""What each page of the realistic mix reads per request, on databases of different sizes.

Issue 17 asks that 10x the data (xlarge) stays within 20 % of the large data set "by statement
counts and plans, not luck". Run by hand on filled databases (GETs only; no post is written):

    .venv/bin/python bench/page_reads.py URL [URL …] [--members 12]
    .venv/bin/python bench/page_reads.py URL [URL …] --paths /katalog "/katalog?tagg=etik"

For a few members of each database (as ``bench/realistic.py`` picks them), the mix's pages are
drawn the way the benchmark draws them (``realistic.draw_page``, the same seed for each database)
and each is requested twice; the statements of the second request are counted, and on
PostgreSQL each SELECT is run again under ``EXPLAIN (ANALYZE, BUFFERS)`` with the same values:
the rows its scans read (kept, or thrown away by a filter) and the shared buffers it touched. On
SQLite, the virtual machine's instructions of the request (in thousands). Printed per kind of
page: the median and the maximum, one column per database. A page whose reads grow with the
data, when its statements and rows shown do not, walks something.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic
from sqlalchemy import event, select

from hub import create_app
from hub.auth.models import User
from hub.extensions import db
from tests.conftest import make_config

KINDS = ["question", "list", "start", "search", "directory", "meetings", "notifications"]
PAGES_PER_KIND = 4  # per member


def rows_read(node: dict) -> int:
    """Rows the plan's scans read: what each returned and what its filter threw away."""
    own = 0
    if "Scan" in node["Node Type"]:
        own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
    return own + sum(rows_read(child) for child in node.get("Plans", []))


def sign_in(client, email: str) -> None:
    """By writing the session Flask-Login reads (as bench/render_cpu.py does)."""
    with client.application.app_context():
        user_id = db.session.scalar(select(User).where(User.email == email)).get_id()
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, False


def request_work(client, engine, path: str, show: bool = False) -> tuple[int, int, int]:
    """(statements, rows read or VM instructions in thousands, buffers) of one warm request."""
    captured: list[tuple[str, object]] = []
    sqlite = engine.dialect.name == "sqlite"
    steps, counted = [0], []

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))
        raw = conn.connection.driver_connection
        if sqlite and raw not in counted:
            raw.set_progress_handler(tick, 1000)
            counted.append(raw)

    client.get(path)  # warm: caches filled, view counted
    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        for raw in counted:
            raw.set_progress_handler(None, 1000)
    assert response.status_code == 200, (path, response.status_code)
    if sqlite:
        return len(captured), steps[0], 0
    rows = buffers = 0
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for statement, parameters in captured:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            explain = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}"
            cursor.execute(explain, parameters, prepare=False)
            plan = cursor.fetchone()[0][0]["Plan"]
            rows += rows_read(plan)
            buffers += plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
            if show:
                touched = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
                head = " ".join(statement.split())[:150]
                print(f"{rows_read(plan):>8} rows {touched:>7} buffers  {head}")
        connection.rollback()
    return len(captured), rows, buffers


def measure(database_url: str, members: int) -> dict[str, list[tuple[int, int, int, str]]]:
    world = realistic.load_world(database_url, members)
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=False))
    with app.app_context():
        engine = db.engine
    found: dict[str, list[tuple[int, int, int, str]]] = {kind: [] for kind in KINDS}
    rng = random.Random(17)
    for member in world["members"]:
        client = app.test_client()
        sign_in(client, member.email)
        for kind in KINDS:
            for _ in range(PAGES_PER_KIND):
                path, _body = realistic.draw_page(kind, world, rng)
                found[kind].append((*request_work(client, engine, path), path))
    return found


def first_member(database_url: str):
    """A test client signed in as the data set's first member, and the app's engine."""
    world = realistic.load_world(database_url, 1)
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=False))
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    sign_in(client, world["members"][0].email)
    return client, engine


def show_page(database_url: str, path: str) -> None:
    client, engine = first_member(database_url)
    request_work(client, engine, path, show=True)


def measure_paths(database_url: str, paths: list[str]) -> list[tuple[int, int, int]]:
    """(statements, rows or instructions, buffers) of each page, for the first member."""
    client, engine = first_member(database_url)
    return [request_work(client, engine, path) for path in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_urls", nargs="+")
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--page", help="only this page, for the first member: each statement")
    parser.add_argument("--paths", nargs="+", help="these pages, for the first member, a row each")
    args = parser.parse_args()
    if args.paths:
        found = [measure_paths(url, args.paths) for url in args.database_urls]
        print("| page | " + " | ".join(u.rsplit("/", 1)[-1] for u in args.database_urls) + " |")
        print("| --- |" + " ---: |" * len(args.database_urls))
        for path, works in zip(args.paths, zip(*found, strict=True), strict=True):
            print(f"| `{path}` | " + " | ".join(" / ".join(map(str, w)) for w in works) + " |")
        return
    if args.page:
        for url in args.database_urls:
            print(url)
            show_page(url, args.page)
        return
    results = {url: measure(url, args.members) for url in args.database_urls}
    names = [url.rsplit("/", 1)[-1] for url in args.database_urls]
    print("median (max) per request: statements | rows read (PostgreSQL) or VM instructions")
    print("in thousands (SQLite) | shared buffers (PostgreSQL)\n")
    print("| page | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for kind in KINDS:
        cells = []
        for url in args.database_urls:
            columns = list(zip(*results[url][kind], strict=True))[:3]
            cells.append(
                " / ".join(f"{statistics.median(values):.0f} ({max(values)})" for values in columns)
            )
        print(f"| {kind} | " + " | ".join(cells) + " |")
    print("\nThe page that read most, per kind and database:")
    for kind in KINDS:
        for url, name in zip(args.database_urls, names, strict=True):
            worst = max(results[url][kind], key=lambda found: found[1])
            print(f"  {kind:13} {name:12} {worst[1]:>8} {worst[3]}")


if __name__ == "__main__":
    main()
