"""What bench/mix_cpu.py's mix sends PostgreSQL per request: round trips, and the server's planning.

bench/mix_cpu.py's mix (its members, pages and writes, drawn with the same seed) through the Flask
test client on one connection, with psycopg watched: each statement sent as a prepared statement,
unprepared, or prepared now (an extra round trip), psycopg's own commands (BEGIN, COMMIT, ROLLBACK,
DEALLOCATE) and its deallocations; and, when the server loads ``pg_stat_statements``
(bench/README.md says how to make such a cluster), the statements the server planned and the
time it spent planning against executing over the measured requests (reset after the warm-up).
Counts, not times, are the figures to compare: they do not move with the machine's load.

    HUB_DATABASE_URL=postgresql+psycopg://…/large .venv/bin/python bench/pg_round_trips.py
    … bench/pg_round_trips.py --requests 3000 --members 100 --texts 20
    … bench/pg_round_trips.py --statements 30   # per statement: calls, plans, ms, buffers

Only this database's statements are reset and read: others may be measuring on the same server.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import psycopg
from psycopg import _connection_base, _preparing
from sqlalchemy import make_url

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from mix_cpu import send, sign_in  # noqa: E402  (bench/ is not a package)
from realistic import draw_requests, load_world  # noqa: E402
from render_cpu import build_app, default_database_url, production_env  # noqa: E402
from run import OF_THIS_DATABASE, RESET_STATEMENTS, add_scale_argument  # noqa: E402

SEEN: Counter = Counter()  # "prepared", "unprepared", "prepared now", "BEGIN", "DEALLOCATE one", …
TEXTS: Counter = Counter()  # (statement's start, how it was sent)


def watch_psycopg() -> None:
    """Count what psycopg sends, by wrapping the three places it decides (psycopg 3.3)."""
    how = {_preparing.Prepare.YES: "prepared", _preparing.Prepare.NO: "unprepared"}
    get, command, deallocate = (
        _preparing.PrepareManager.get,
        _connection_base.BaseConnection._exec_command,
        _connection_base.BaseConnection._deallocate,
    )

    def counted_get(self, query, prepare=None):
        found = get(self, query, prepare)
        kind = how.get(found[0], "prepared now")
        SEEN[kind] += 1
        TEXTS[(query.query[:70].decode(errors="replace"), kind)] += 1
        return found

    def counted_command(self, sent, *args, **kwargs):
        SEEN[bytes(sent).split()[0].decode() if isinstance(sent, bytes) else "other"] += 1
        return command(self, sent, *args, **kwargs)

    def counted_deallocate(self, name):
        SEEN["DEALLOCATE ALL" if name is None else "DEALLOCATE one"] += 1
        return deallocate(self, name)

    _preparing.PrepareManager.get = counted_get
    _connection_base.BaseConnection._exec_command = counted_command
    _connection_base.BaseConnection._deallocate = counted_deallocate


def conninfo(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


# This database's statements only, the reading itself left out.
MEASURED = (
    f" FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND {OF_THIS_DATABASE}"
)
TOTALS = "SELECT sum(calls), sum(plans), sum(total_plan_time), sum(total_exec_time)" + MEASURED
TOP = (
    "SELECT calls, plans, total_plan_time, total_exec_time, shared_blks_hit + shared_blks_read,"
    " regexp_replace(query, '\\s+', ' ', 'g')"
    + MEASURED.replace("%", "%%")  # a statement with parameters: its own % doubled
    + " ORDER BY total_plan_time + total_exec_time DESC LIMIT %s"
)


def server_statements(database_url: str, reset: bool = False, top: int = 0) -> tuple | None:
    """Statements, plans, planning and executing ms since the reset, and the ``top`` statements
    by the server's time (planning and executing); None without the extension."""
    with psycopg.connect(conninfo(database_url), autocommit=True) as connection:
        loaded = connection.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
        ).fetchone()
        if not loaded:
            return None
        if reset:
            connection.execute(RESET_STATEMENTS)
            return ()
        totals = connection.execute(TOTALS).fetchone()
        each = connection.execute(TOP, (top,)).fetchall()
        return (*totals, each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--texts", type=int, default=0, help="print the N most sent unprepared")
    parser.add_argument(
        "--statements", type=int, default=0, help="print the N statements the server spent most on"
    )
    add_scale_argument(parser)
    args = parser.parse_args()
    database_url = default_database_url(args.scale)
    if not database_url.startswith("postgresql"):
        sys.exit("a PostgreSQL database: HUB_DATABASE_URL=postgresql+psycopg://…")
    production_env(database_url)
    world = load_world(database_url, args.members)
    watch_psycopg()
    app = build_app()
    members = [sign_in(app, m.email, m.address) for m in world["members"]]
    rng = random.Random(args.seed)
    warm, drawn = draw_requests(world, rng, 300), draw_requests(world, rng, args.requests)
    for request in warm:
        send(members, request)
    SEEN.clear()
    TEXTS.clear()
    server_statements(database_url, reset=True)
    for request in drawn:
        send(members, request)
    report(len(drawn), server_statements(database_url, top=args.statements), args.texts)


def report(requests: int, server: tuple | None, texts: int) -> None:
    print(f"{requests} requests; per request (total):")
    for kind, count in sorted(SEEN.items()):
        print(f"  {kind}: {count / requests:.3f} ({count})")
    commands = sum(n for kind, n in SEEN.items() if kind.isupper() and kind != "DEALLOCATE ALL")
    trips = SEEN["prepared"] + SEEN["unprepared"] + 2 * SEEN["prepared now"] + commands
    print(f"  round trips: {trips / requests:.2f} ({trips})")
    if server:
        calls, plans, planning, executing, each = server
        print(
            f"  server: {calls / requests:.2f} statements, {plans / requests:.2f} planned; "
            f"planning {planning / requests:.3f} ms, executing {executing / requests:.3f} ms"
        )
        report_statements(each, planning + executing)
    for (text, _kind), count in [t for t in TEXTS.most_common() if t[0][1] == "unprepared"][:texts]:
        print(f"  {count} unprepared: {text!r}")


def shortened(text: str, ends: int = 60) -> str:
    """A statement's start and end: the end tells the shapes of one statement apart (filters,
    order, limits)."""
    return text if len(text) <= 2 * ends + 5 else f"{text[:ends]} … {text[-ends:]}"


def report_statements(each: list, total_ms: float) -> None:
    """The statements the server spent most on, as a table (ms and buffers a call)."""
    if not each:
        return
    print("\n| share | calls | plans | planning ms | executing ms | buffers | statement |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for calls, plans, planning, executing, buffers, text in each:
        share = 100 * (planning + executing) / total_ms
        print(
            f"| {share:.1f} % | {calls} | {plans} | {planning / calls:.3f} | "
            f"{executing / calls:.3f} | {buffers / calls:.0f} | `{shortened(text)}` |"
        )


if __name__ == "__main__":
    main()
