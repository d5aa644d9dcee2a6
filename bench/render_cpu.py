"""CPU per uncached render of the busiest pages, in one process (issue 17's budgets).

Builds the hub with production settings on the large demo data set (``seed-demo --scale large``, or
``--scale xlarge``: the SQLite file bench/run.py keeps in bench/cache/, or the database named by
--database-url / HUB_DATABASE_URL), signs in as the demo ambassador (its session written, not the
login form, whose rate limit repeated runs would meet) and
renders each page many times through the Flask test client. CPU time is this process's
(``time.process_time``): SQLite runs inside it, so the database's work is counted; on PostgreSQL the
server's share is not. CPU time barely depends on other load on the machine, wall time does.

Each page is also rendered once in a fresh process right after ``create_app`` and the start-up
warm-up that gunicorn.conf.py runs before a worker serves (``hub.warmup``; ``--no-warm-up`` leaves
it out): "first", what the first request of a new gunicorn worker pays.

    .venv/bin/python bench/render_cpu.py                 # all pages, 60 renders each
    .venv/bin/python bench/render_cpu.py --page question --renders 200 --profile
    .venv/bin/python bench/render_cpu.py --instructions   # valgrind: repeatable under load
    .venv/bin/python bench/render_cpu.py --scale xlarge   # ten times the rows

``--instructions`` runs each page in its own process under ``valgrind --tool=callgrind`` with
instrumentation off until the warm-ups are done, and counts the instructions of the measured
renders only: a figure that does not move with the machine's load (CPU milliseconds do, by
half again on a busy 2-core machine). At the question page's instructions per millisecond on a
quiet machine, about 1 ms is roughly 10 million instructions (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from run import add_scale_argument  # noqa: E402  (bench/ is not a package)

DEMO_EMAIL = "ambassador@demo.stafetten.se"

# name -> (path or None for the 20-answer question, budget in ms from issue 17 or None)
PAGES: dict[str, tuple[str | None, float | None]] = {
    "question": (None, 4.0),
    "list": ("/fragor", 2.5),
    "search": ("/sok?" + urlencode({"q": "surfplattans"}), 3.0),
    "directory": ("/katalog", 3.0),
    "start": ("/", 2.5),
    "meetings": ("/traffar", None),
    # The floor every signed-in page pays: session, user, base.html, headers.
    "static": ("/personuppgifter", None),
}
# The other forms members use (bench/realistic.py's query strings and filters), each held to its
# page's budget: ``--forms`` adds those of the pages asked for. The slugs and codes are the demo
# data's (seed-demo), at every scale.
FORMS: dict[str, tuple[str, float]] = {
    "search-words": ("/sok?" + urlencode({"q": "surfplatta wifi"}), 3.0),
    "search-typo": ("/sok?" + urlencode({"q": "surfplatan"}), 3.0),  # falls back: surfplattan
    "search-page": ("/sok?" + urlencode({"q": "möte", "page": 3}), 3.0),
    "search-person": ("/sok?" + urlencode({"q": "anna"}), 3.0),
    "search-meetings": ("/sok?" + urlencode({"q": "möte", "del": "traffar"}), 3.0),
    "search-people": ("/sok?" + urlencode({"q": "surfplattor", "del": "personer"}), 3.0),
    "directory-kommun": ("/katalog?kommun=1381", 3.0),
    "directory-region": ("/katalog?region=01", 3.0),
    "directory-tag": ("/katalog?tagg=surfplattor", 3.0),
    "directory-name": ("/katalog?q=anna", 3.0),
    "directory-page": ("/katalog?page=4", 3.0),
    "list-active": ("/fragor?sort=active", 2.5),
    "list-unanswered": ("/fragor?sort=unanswered", 2.5),
    "list-helpful": ("/fragor?sort=helpful&page=2", 2.5),
    "list-category": ("/fragor?kategori=digitala-verktyg", 2.5),
    "list-tag": ("/fragor?tagg=teams", 2.5),
    "list-page": ("/fragor?page=5", 2.5),
}
PAGES |= FORMS


def production_env(database_url: str) -> None:
    """Production settings. Set before ``config`` is imported, which reads the environment once."""
    from run import hub_env

    os.environ.update(hub_env(database_url))


def build_app():
    from config import config_from_env
    from hub import create_app

    return create_app(config_from_env())


def sign_in(client) -> None:
    """Signed in as the demo ambassador by writing the session Flask-Login reads (as
    ``hub.warmup`` does), not through the login form: repeated runs would meet its rate limit
    (429) and the login's own work is no page's."""
    from sqlalchemy import select

    from hub.auth.models import User
    from hub.extensions import db

    with client.application.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
        if user is None:
            sys.exit(f"{DEMO_EMAIL} is not in the database: seed-demo first")
        user_id = user.get_id()
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = False
    client.get("/")  # the first page stores a CSRF token in the session


def page_paths(database_url: str) -> dict[str, str]:
    from run import question_with_20_answers

    return {
        name: path or question_with_20_answers(database_url)
        for name, (path, _budget) in PAGES.items()
    }


class StatementCounter:
    """Statements sent, and on PostgreSQL the server processes (backends) that ran them."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.backends: set[int] = set()
        self.postgres = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, connection, *_args) -> None:
        self.count += 1
        if self.postgres:
            self.backends.add(connection.connection.driver_connection.info.backend_pid)

    def server_ns(self) -> int:
        """CPU nanoseconds the backends have run (the scheduler's count: finer than rusage's
        ticks). The server runs on this machine, so its CPU is the page's too."""
        return sum(backend_ns(pid) for pid in self.backends)


def backend_ns(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return 0


FRESH_POSTS = False  # --fresh-posts
FRESH_RANKINGS = False  # --fresh-rankings


def forget_kept_posts(app) -> None:
    """What the question page keeps per post (each answer's and the question's part) and the
    list per question (its row) made anew: the figure of a page no reader has seen yet
    (``--fresh-posts``); with ``--fresh-rankings``
    also the experts' ranking of its topics, as for a question whose topics no reader opened
    in the last minute (``FORUM_EXPERTS_KEPT_SECONDS``)."""
    from hub.forum import list_parts, post_parts, questions

    app.extensions.pop(post_parts.POST_PARTS, None)
    app.extensions.pop(list_parts.LIST_PARTS, None)
    if FRESH_RANKINGS:
        app.extensions.pop(questions.EXPERT_RANKINGS, None)


def render(client, path: str, counter: StatementCounter | None = None) -> tuple[float, ...]:
    """CPU and wall milliseconds of one request, which must answer 200, and on PostgreSQL the
    server's CPU milliseconds (0 on SQLite, whose work is this process's)."""
    if FRESH_POSTS:
        forget_kept_posts(client.application)
    server = counter.server_ns() if counter and counter.postgres else 0
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.get(path)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if counter and counter.postgres:
        server = counter.server_ns() - server
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}")
    return cpu * 1000, wall * 1000, server / 1e6


def round_trips(client, path: str, engine) -> int | None:
    """On PostgreSQL, the round trips one render makes: messages that wait for the server's
    answer (a simple Query, or the Sync ending an extended query), from libpq's trace. BEGIN,
    ROLLBACK and the pool's ping are round trips the statement count does not see. Both the
    pool's connection and the one the process holds for GET requests' reads are traced."""
    from hub.core.db import held_reader

    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        drivers = [connection.connection.driver_connection]  # the pool's only connection here
    reader = held_reader(engine)
    if reader is not None:
        drivers.append(reader.connection().connection.driver_connection)
    with ExitStack() as files:
        traces = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in drivers]
        for driver, trace in zip(drivers, traces, strict=True):
            driver.pgconn.trace(trace.fileno())
        try:
            render(client, path)
        finally:
            for driver in drivers:
                driver.pgconn.untrace()
        return sum(sent_and_waited(trace) for trace in traces)


def sent_and_waited(trace) -> int:
    """The round trips in a libpq trace."""
    trace.seek(0)
    return sum(
        line.split("\t")[3].split()[0] in ("Query", "Sync") for line in trace if "\tF\t" in line
    )


def measure(database_url: str, names: list[str], renders: int, profile: bool) -> dict:
    from hub.extensions import db

    app = build_app()
    client = app.test_client()
    sign_in(client)
    paths = page_paths(database_url)
    with app.app_context():
        counter = StatementCounter(db.engine)
        engine = db.engine
    results = {}
    for name in names:
        for _ in range(5):  # warm: templates compiled, caches filled
            render(client, paths[name])
        before = counter.count
        render(client, paths[name])
        statements = counter.count - before
        trips = round_trips(client, paths[name], engine)
        if profile:
            profile_page(client, paths[name], renders)
            continue
        timings = [render(client, paths[name], counter) for _ in range(renders)]
        cpu = sorted(t[0] for t in timings)
        results[name] = {
            "path": paths[name],
            "cpu_median": statistics.median(cpu),
            "cpu_min": cpu[0],
            "cpu_p90": cpu[int(len(cpu) * 0.9)],
            "wall_median": statistics.median(t[1] for t in timings),
            "statements": statements,
        }
        if counter.postgres:
            results[name]["server_median"] = statistics.median(t[2] for t in timings)
            results[name]["both_median"] = statistics.median(t[0] + t[2] for t in timings)
            results[name]["round_trips"] = trips
    return results


def profile_page(client, path: str, renders: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(35)


def count_instructions(database_url: str, names: list[str], renders: int) -> dict[str, float]:
    """Millions of instructions per render, each page in its own process under callgrind."""
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            out = Path(folder) / f"{name}.out"
            command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
            command += [f"--callgrind-out-file={out}", sys.executable, __file__]
            command += ["--database-url", database_url, "--instructions-of", name]
            command += ["--renders", str(renders)] + (["--fresh-posts"] if FRESH_POSTS else [])
            command += ["--fresh-rankings"] if FRESH_RANKINGS else []
            subprocess.run(command, check=True, capture_output=True)
            totals = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
            found[name] = int(totals.group(1)) / renders / 1e6
    return found


def instrumented_renders(database_url: str, name: str, renders: int) -> None:
    """Under callgrind: warm up uninstrumented, then instrument only the measured renders."""
    app = build_app()
    client = app.test_client()
    sign_in(client)
    path = page_paths(database_url)[name]
    for _ in range(5):
        render(client, path)
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    for _ in range(renders):
        render(client, path)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


def first_render(database_url: str, name: str, cookie: str, warm: bool = True) -> dict:
    """In this (fresh) process: CPU of create_app and the warm-up, then of the page's first and
    a warm render."""
    started = time.process_time()
    app = build_app()
    startup = (time.process_time() - started) * 1000
    started = time.process_time()
    if warm:
        from hub.warmup import warm_up

        warm_up(app)  # as gunicorn.conf.py does before the worker's first request
    warming = (time.process_time() - started) * 1000
    client = app.test_client()
    client.set_cookie("session", cookie, domain="localhost")
    path = page_paths(database_url)[name]
    first = render(client, path)[0]
    warm_ms = sorted(render(client, path)[0] for _ in range(10))[5]
    return {"startup": startup, "warming": warming, "first": first, "warm": warm_ms}


def session_cookie(database_url: str) -> str:
    app = build_app()
    client = app.test_client()
    sign_in(client)
    return client.get_cookie("session", domain="localhost").value


def default_database_url(scale: str = "large") -> str:
    url = os.environ.get("HUB_DATABASE_URL")
    if url:
        return url
    from run import prepare_database

    return prepare_database(reseed=False, scale=scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database seeded with seed-demo --scale large")
    add_scale_argument(parser)
    parser.add_argument("--page", choices=list(PAGES), action="append", help="only these pages")
    parser.add_argument(
        "--forms", action="store_true", help="also the pages' other forms (FORMS: filters, pages)"
    )
    parser.add_argument("--renders", type=int, default=60, help="measured renders per page")
    parser.add_argument("--profile", action="store_true", help="print cProfile output instead")
    parser.add_argument("--no-first", action="store_true", help="skip the fresh-process column")
    parser.add_argument(
        "--no-warm-up", action="store_true", help="fresh process without the start-up warm-up"
    )
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (valgrind, slow)"
    )
    parser.add_argument(
        "--fresh-posts",
        action="store_true",
        help="each render makes the question page's kept posts anew (no reader has seen them)",
    )
    parser.add_argument(
        "--fresh-rankings",
        action="store_true",
        help="with --fresh-posts: the experts' ranking of the question's topics made anew too",
    )
    parser.add_argument("--instructions-of", help=argparse.SUPPRESS)  # internal: under valgrind
    parser.add_argument("--first-of", help=argparse.SUPPRESS)  # internal: one fresh process
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global FRESH_POSTS, FRESH_RANKINGS  # one switch for every render of the run
    FRESH_POSTS = args.fresh_posts
    FRESH_RANKINGS = args.fresh_rankings
    database_url = args.database_url or default_database_url(args.scale)
    production_env(database_url)
    if args.first_of:
        warm = not args.no_warm_up
        print(json.dumps(first_render(database_url, args.first_of, args.cookie, warm)))
        return
    if args.instructions_of:
        instrumented_renders(database_url, args.instructions_of, args.renders)
        return
    names = args.page or [name for name in PAGES if name not in FORMS]
    if args.forms:
        names += [form for form in FORMS if form.split("-")[0] in names and form not in names]
    results = measure(database_url, names, args.renders, args.profile)
    if args.profile:
        return
    if not args.no_first:
        cookie = session_cookie(database_url)
        for name in names:
            command = [sys.executable, __file__, "--database-url", database_url]
            command += ["--first-of", name, "--cookie", cookie]
            command += ["--no-warm-up"] if args.no_warm_up else []
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            results[name].update(json.loads(output.strip().splitlines()[-1]))
    if args.instructions:
        counted = count_instructions(database_url, names, max(args.renders // 6, 5))
        for name, millions in counted.items():
            results[name]["instructions"] = millions
    print(format_table(results, database_url, args.renders))


def format_table(results: dict, database_url: str, renders: int) -> str:
    load = os.getloadavg()[0]
    postgres = database_url.startswith("postgresql")
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {database_url.split(':')[0]}, "
        f"{renders} renders per page after 5 warm-ups, load average {load:.1f}",
        "",
        "| page | path | CPU median ms | CPU min | CPU p90 | budget | wall median | statements "
        "| first render in a fresh worker (CPU ms) | create_app CPU ms | warm-up CPU ms "
        "| instructions (M) |"
        + (" server CPU median ms | client + server median | round trips |" if postgres else ""),
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: | ---: | ---: |" if postgres else ""),
    ]
    for name, row in results.items():
        budget = PAGES[name][1]
        first = f"{row['first']:.1f} ({row['first'] / row['warm']:.1f}×)" if "first" in row else "–"
        startup = f"{row['startup']:.0f}" if "startup" in row else "–"
        warming = f"{row['warming']:.0f}" if "warming" in row else "–"
        instructions = f"{row['instructions']:.2f}" if "instructions" in row else "–"
        server = ""
        if postgres:
            server = (
                f" {row['server_median']:.2f} | {row['both_median']:.2f} | {row['round_trips']} |"
            )
        lines.append(
            f"| {name} | `{row['path']}` | {row['cpu_median']:.2f} | {row['cpu_min']:.2f} "
            f"| {row['cpu_p90']:.2f} | {budget or '–'} | {row['wall_median']:.2f} "
            f"| {row['statements']} | {first} | {startup} | {warming} | {instructions} |" + server
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
