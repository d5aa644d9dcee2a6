"""PostgreSQL search with and without the newest-documents-first windows, in one process.

Run by hand on a database that ``bench/search_bench.py --database-url …`` has filled:

    .venv/bin/python bench/search_pg_windows.py postgresql+psycopg://…/bench_database

Each of the bench's queries goes through ``search()`` twice in turn: with the tier pools and the
typo fallback's hit count as they were before the windows (one statement over the whole table,
copied here from commit 54a8141, reading the narrow tier tables of migration 0029) and as they
are now. Printed: the wall clock, this process's CPU
time and the server backend's CPU time (``/proc/<pid>/schedstat``; the server runs here too).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_bench
from sqlalchemy import text

from hub import create_app
from hub.extensions import db
from hub.forum import search as s
from tests.conftest import make_config


def whole_table_pools(self, query, filters, scope=s.FORUM):
    where, params = filters.sql(s.PYFORMAT)
    selects = []
    for n, (tier, table, column, tsquery, _) in enumerate(self.tier_queries(query, scope)):
        params[f"q{n}"] = tsquery
        limit = s.COUNT_CAP + 1 if tier == s.ANY_FORM else s.POOL
        selects.append(
            f"(SELECT {tier} AS tier, d.id, {scope.boost} AS boost"  # noqa: S608
            f" FROM {table} d{scope.join}"
            f" WHERE d.{column} @@ to_tsquery('simple', %(q{n})s){where}"
            f" ORDER BY d.id DESC LIMIT {limit})"
        )
    return self.rows(" UNION ALL ".join(selects), params)


def whole_table_hit_count(self, group, cap):
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM search_vector"
        " WHERE terms @@ to_tsquery('simple', :q) LIMIT :cap) AS hits"
    )
    return db.session.scalar(text(sql), {"q": self.groups([group]), "cap": cap})


def main() -> None:
    app = create_app(make_config(sys.argv[1]))
    ways = {
        "hela tabellen (före)": (whole_table_pools, whole_table_hit_count),
        "nu": (s.PostgresBackend.pools, s.PostgresBackend.hit_count),
    }
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        schedstat = Path(f"/proc/{pid}/schedstat")

        def server_ms() -> float:
            return int(schedstat.read_text().split()[0]) / 1e6

        timings: dict[str, list[tuple[float, float, float]]] = {name: [] for name in ways}
        for query, options in search_bench.queries(random.Random(5), 240):
            for name, (pools, hit_count) in ways.items():
                s.PostgresBackend.pools, s.PostgresBackend.hit_count = pools, hit_count
                s.search(query, **options)  # warm
                server, cpu, wall = server_ms(), time.process_time(), time.perf_counter()
                s.search(query, **options)
                timings[name].append(
                    ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000,
                     server_ms() - server)
                )  # fmt: skip
        for name, rows in timings.items():
            columns = {
                "väggklocka": [r[0] for r in rows],
                "CPU här": [r[1] for r in rows],
                "CPU i servern": [r[2] for r in rows],
            }
            for label, values in columns.items():
                values.sort()
                p95 = values[int(len(values) * 0.95) - 1]
                print(f"{name}, {label}: median {statistics.median(values):.2f} ms, "
                      f"p95 {p95:.2f} ms, max {values[-1]:.2f} ms")  # fmt: skip
        print(f"belastning (1 min): {os.getloadavg()[0]:.1f} på {os.cpu_count()} kärnor")


if __name__ == "__main__":
    main()
