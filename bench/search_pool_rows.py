"""What search's pool statement reads on PostgreSQL, per query: EXPLAIN (ANALYZE, BUFFERS).

Run by hand on any filled database (read only: nothing is written):

    .venv/bin/python bench/search_pool_rows.py postgresql+psycopg://…/xlarge [--bench-queries]
    .venv/bin/python bench/search_pool_rows.py postgresql+psycopg://…/xlarge --items --generic
    .venv/bin/python bench/search_pool_rows.py postgresql+psycopg://…/xlarge --items --words värd

Each query goes through ``search()``; every statement it sends that reads the tier tables (the
pool statement, and the typo fallback's counts) is run again under ``EXPLAIN (ANALYZE, BUFFERS)``
with the same values; with ``--generic`` every statement it sends, PREPAREd and run as its
generic plan (what a worker's connection runs after a few searches: deterministic buffers).
Printed per query: the server's execution time, the rows its scans read (returned plus removed
by a filter) and the shared buffers touched; then the median, p95, maximum and sum. The words
are the realistic mix's (``bench/realistic.py``), or with ``--bench-queries`` the 240 queries
of ``bench/search_bench.py``. With ``--items``, the meetings' and topics' pool statement of
the search page's sections (``search_items``) instead of the posts'. Compare databases of
different sizes: what a search reads should not grow with the number of documents.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

import psycopg
from psycopg.types.numeric import Int8

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic
import search_bench

from hub import create_app
from hub.extensions import db
from hub.forum import search as search_module
from hub.forum import search_items
from tests.conftest import make_config
from tests.plans import numbered


def rows_read(node: dict) -> int:
    """Rows the plan's scans read: what each scan returned and what its filter removed."""
    own = 0
    if "Scan" in node["Node Type"] and "Index Only" not in node["Node Type"]:
        loops = node.get("Actual Loops", 1)
        own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return own + sum(rows_read(child) for child in node.get("Plans", []))


def explain_sql(sql: str, params: dict, generic: bool) -> tuple[str, dict | list]:
    """The statement under EXPLAIN; with ``generic``, PREPAREd (once) and EXECUTEd, so that the
    plan is the generic one a worker's connection runs after a few searches (the session's
    ``plan_cache_mode`` is ``force_generic_plan`` then)."""
    if not generic:
        return f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params
    body, names = numbered(sql)
    name = PREPARED.setdefault(body, f"pool_{len(PREPARED)}")
    if len(PREPARED) > len(DONE):
        types = ", ".join(SQL_TYPES[type(params[n])] for n in names)
        db.session.connection().exec_driver_sql(f"PREPARE {name} ({types}) AS {body}")
        DONE.add(name)
    marks = ", ".join(["%s"] * len(names))
    return f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name} ({marks})", [
        params[n] for n in names
    ]


PREPARED: dict[str, str] = {}
DONE: set[str] = set()
SQL_TYPES = {int: "bigint", Int8: "bigint", str: "text", list: "text[]", bool: "boolean"}


def explained(statements: list[tuple[str, dict]], generic: bool = False) -> tuple[float, int, int]:
    cursor = psycopg.ClientCursor(db.session.connection().connection.driver_connection)
    ms = rows = buffers = 0
    for sql, params in statements:
        cursor.execute(*explain_sql(sql, params, generic))
        plan = cursor.fetchone()[0][0]
        ms += plan["Execution Time"]
        rows += rows_read(plan["Plan"])
        buffers += plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
    return ms, rows, buffers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--bench-queries", action="store_true")
    parser.add_argument(
        "--generic", action="store_true", help="every statement, as its generic prepared plan"
    )
    parser.add_argument(
        "--items", action="store_true", help="the meetings' and topics' pools, not the posts'"
    )
    parser.add_argument("--words", nargs="+", help="these queries instead of the mix's words")
    args = parser.parse_args()
    if args.words:
        work = [(word, {}) for word in args.words]
    elif args.bench_queries:
        work = search_bench.queries(random.Random(5), 240)
    else:
        work = [(word, {}) for word in realistic.SEARCH_WORDS]
    app = create_app(make_config(args.database_url))
    sent = search_module.DriverSql.rows
    captured: list[tuple[str, dict]] = []

    def capture(self, sql, params, prepare=None):
        if args.items:
            if "FROM search_item d" in sql:
                captured.append((sql, params))
        elif args.generic or any(
            t in sql for t in ("search_terms", "search_title", "search_posting")
        ):
            captured.append((sql, params))
        return sent(self, sql, params, prepare)

    def run_search(query: str, options: dict) -> None:
        if args.items:
            search_items.search_items(query, (search_items.MEETING, search_items.TOPIC), 5)
        else:
            search_module.search(query, **options)

    search_module.DriverSql.rows = capture
    results = []
    with app.app_context():
        if args.generic:
            db.session.connection().exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        for query, options in work:
            captured.clear()
            run_search(query, options)
            ms, rows, buffers = explained(list(captured), args.generic)
            results.append((ms, rows, buffers))
            print(f"{query[:30]:30} {str(options)[:24]:24} {ms:8.2f} ms {rows:8} rader "
                  f"{buffers:7} buffertar")  # fmt: skip
    for n, name in enumerate(("ms", "rader", "buffertar")):
        values = sorted(r[n] for r in results)
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        median = statistics.median(values)
        print(f"{name}: median {median:.1f}, p95 {p95:.1f}, max {values[-1]:.1f}, "
              f"sum {sum(values):.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
