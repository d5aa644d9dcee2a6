"""What the PostgreSQL server spends on the search page, per statement, over the mix's words.

One process renders ``/sok?q=<word>`` for each of ``bench/realistic.py``'s SEARCH_WORDS as
render_cpu's demo ambassador: ``--warm`` rounds first (a worker's connection after a while: psycopg
prepares a statement it has sent five times, PostgreSQL keeps a generic plan after five custom
ones), then ``--rounds`` rounds measured, with ``pg_stat_statements`` reset in between. Prints
per statement (the server's normalised text) calls and plans per search, planning and executing
ms per search, buffers per call, and the totals per search: the server's share of a search,
which ``bench/realistic.py``'s per-kind table cannot see. Also psycopg's round trips per search
(``bench/pg_round_trips.py``'s count). Needs a server that preloads ``pg_stat_statements``
with ``track_planning`` (bench/README.md says how to make one).

    .venv/bin/python bench/search_server.py --database-url postgresql+psycopg://…:61283/large
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

import psycopg

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import render_cpu  # noqa: E402
from pg_round_trips import SEEN, conninfo, watch_psycopg  # noqa: E402
from realistic import SEARCH_WORDS  # noqa: E402
from run import OF_THIS_DATABASE, RESET_STATEMENTS  # noqa: E402

STATEMENTS_SQL = (
    "SELECT query, calls, plans, total_plan_time, total_exec_time,"  # noqa: S608  (constants)
    " shared_blks_hit + shared_blks_read FROM pg_stat_statements"
    " WHERE query NOT LIKE '%%pg_stat_statements%%'"
    f" AND {OF_THIS_DATABASE}"
    " ORDER BY total_exec_time + total_plan_time DESC"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL with pg_stat_statements")
    parser.add_argument("--warm", type=int, default=8, help="rounds of the words before")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the words measured")
    args = parser.parse_args()
    render_cpu.production_env(args.database_url)
    watch_psycopg()
    app = render_cpu.build_app()
    client = app.test_client()
    render_cpu.sign_in(client)
    paths = ["/sok?" + urlencode({"q": word}) for word in SEARCH_WORDS]
    for _ in range(args.warm):
        for path in paths:
            render_cpu.render(client, path)
    with psycopg.connect(conninfo(args.database_url), autocommit=True) as admin:
        admin.execute(RESET_STATEMENTS)
        SEEN.clear()
        for _ in range(args.rounds):
            for path in paths:
                render_cpu.render(client, path)
        rows = admin.execute(STATEMENTS_SQL).fetchall()
    report(rows, args.rounds * len(paths))


def report(rows: list[tuple], searches: int) -> None:
    print(
        f"{searches} searches ({len(SEARCH_WORDS)} words), load average "
        f"{os.getloadavg()[0]:.1f}; per search:\n"
    )
    print("| statement | calls | plans | planning ms | executing ms | buffers a call |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    total = [0.0, 0.0, 0.0, 0.0]
    for query, calls, plans, planning, executing, buffers in rows:
        text = " ".join(query.split())[:90].replace("|", "/")
        print(
            f"| `{text}` | {calls / searches:.2f} | {plans / searches:.2f} | "
            f"{planning / searches:.3f} | {executing / searches:.3f} | {buffers / calls:.0f} |"
        )
        for n, value in enumerate((calls, plans, planning, executing)):
            total[n] += value
    calls, plans, planning, executing = (value / searches for value in total)
    print(
        f"| **all** | **{calls:.2f}** | **{plans:.2f}** | **{planning:.3f}** | "
        f"**{executing:.3f}** | |"
    )
    commands = sum(n for kind, n in SEEN.items() if kind.isupper())
    trips = SEEN["prepared"] + SEEN["unprepared"] + 2 * SEEN["prepared now"] + commands
    each = {kind: SEEN[kind] / searches for kind in ("prepared", "unprepared", "prepared now")}
    print(
        f"\nround trips {trips / searches:.2f} a search (prepared {each['prepared']:.2f},"
        f" unprepared {each['unprepared']:.2f}, prepared now {each['prepared now']:.2f})"
    )


if __name__ == "__main__":
    main()
