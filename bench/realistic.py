"""The hub as members use it: many members, a mix of pages, writes, cold workers (issue 17).

bench/run.py asks for one page as one member over and over, a cache's best case. This
asks as it is used: ``--members`` distinct members (300), each signed in through the login form
from an address of their own, open a weighted mix of pages (question pages, skewed to recent
questions; question lists with sort, category, tag and page; the start page; searches of words
members use; the directory with its filters; meetings), while a trickle of writes goes through
the real forms with each member's CSRF token (answers and helpful marks, ~2 % of requests).

It serves the hub (production settings, ``gunicorn -w 2 -k sync --preload`` as the README
deploys it) and bench/bare_app.py (no ``--preload``: nothing to load) on 127.0.0.1 and runs
``wrk`` at concurrency 8 (2 threads) with a Lua script that replays the mix. Rows:

* bare: the bare Flask page, before and after the hub rows (their mean is the ratios' base);
* warm workers: after a warm-up run with other requests of the same mix, the hub as deployed
  (gunicorn.conf.py; nothing of the benchmark's inside the workers);
* warm workers, each request logged: the same again with bench/gunicorn_bench.py's log of each
  request (~0.1 ms per request more), for the tables per kind below;
* cold workers: the first ``--cold`` seconds of a freshly started hub (logged).

Each row gives req/s, its ratio to the bare page, p50/p95/p99 latency, errors (status >= 400,
socket errors) and how many requests were writes. Below it, per kind of request (question, list,
start, search, directory, meetings, notifications, helpful, answer) for the warm and the cold
run: count, the worker's wall and CPU time on it (p50/p95/p99; bench/gunicorn_bench.py logs
each request, which carries its kind in an ``X-Bench-Kind`` header), the kind's share of all
the workers' time and of the slowest 5 % of requests, the CPU in Python's garbage collector,
the time in SQL statements and in BEGIN (SQLite: the wait for the write lock), so that the tail
can be attributed. A worker's time leaves out the wait in the
listen queue, which every kind shares. ``--pg-statements`` also prints
the PostgreSQL server's time by statement over the warm run (``pg_stat_statements``, which the
server must preload: see bench/README.md). (Until issue 17 the hub had a per-reader
page cache; this benchmark measured it serving 0-2 % of the mix and it was removed: see
bench/README.md.) SQLite by default; PostgreSQL
with ``HUB_DATABASE_URL`` (a throwaway database; see bench/README.md). Each run works on a fresh
copy of the seeded database (``fresh_copy``: ``<name>_run`` on PostgreSQL, ``<scale>-run.db`` on
SQLite), dropped afterwards: the writes of one run are not the next one's data.

    .venv/bin/python bench/realistic.py                   # ~2.5 minutes
    .venv/bin/python bench/realistic.py --duration 30 --members 500
    .venv/bin/python bench/realistic.py --scale xlarge   # 20,000 members (bench/cache/xlarge.db)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from run import (  # noqa: E402  (bench/ is not a package)
    HOST,
    OF_THIS_DATABASE,
    RESET_STATEMENTS,
    add_scale_argument,
    ensure_wrk,
    fresh_copy,
    hub_env,
    prepare_database,
    save_results,
    serve,
    sign_in_as,
)

CONNECTIONS = 8
THREADS = 2
REQUESTS_PER_THREAD = 25_000  # more than a run asks for: no request repeats within a run
# The mix: kind -> weight. "question" picks recent questions far more often than old ones.
MIX = {
    "question": 40,
    "list": 16,
    "start": 12,
    "search": 10,
    "directory": 9,
    "meetings": 5,
    "notifications": 4,
    "helpful": 2.5,  # a write: toggles a helpful mark on an answer
    "answer": 0.5,  # a write: an answer through the answer form
}
SEARCH_WORDS = [
    "surfplattan", "surfplattans", "lösenord", "wifi", "teams", "möte", "mötena", "larm",
    "trygghetslarm", "appen", "skrivare", "inloggning", "bankid", "kamera", "digital",
    "utbildning", "kollegor", "journal", "läsplatta", "video", "nätverket", "surfplatta wifi",
]  # fmt: skip


@dataclass
class Member:
    email: str
    address: str  # X-Forwarded-For: each member from a workplace address of their own
    cookie: str = ""
    token: str = ""


@dataclass
class Row:
    name: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int
    writes: int
    kinds: list[Served] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--cold", type=int, default=5, help="seconds of the cold-worker run")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached database")
    parser.add_argument("--seed", type=int, default=17, help="random seed of the mix")
    add_scale_argument(parser)
    parser.add_argument(
        "--pg-statements",
        type=int,
        default=0,
        metavar="N",
        help="print the N statements that took the PostgreSQL server most time in the warm run",
    )
    args = parser.parse_args()
    ensure_wrk()
    seeded = prepare_database(reseed=args.reseed, scale=args.scale)
    with fresh_copy(seeded) as database_url:  # every run from the same data: it writes
        print(f"== en färsk kopia: {database_url.rsplit('/', 1)[-1]}", flush=True)
        table = measure(database_url, args)
    save_results(table, "realistic-")


def measure(database_url: str, args: argparse.Namespace) -> str:
    """The runs (bare, warm, warm logged, cold, bare) on ``database_url``, as a table."""
    world = load_world(database_url, args.members)
    rng = random.Random(args.seed)
    rows: list[Row] = []
    statements = ""
    request_log = RequestLog(Path(tempfile.mkstemp(suffix=".log")[1]))
    plain, logged = deployed(database_url), deployed(database_url, request_log.path)
    with serve("bench.bare_app:app", {}) as bare:
        rows.append(run_bare(bare, args.duration, "bare (before)"))
        # The ratios' row: the hub as deployed, nothing of the benchmark's own inside it.
        with serve("wsgi:app", plain) as hub:
            sign_in_all(hub, world["members"])
            replay(hub, world, rng, duration=5)  # warm-up, other requests of the same mix
            rows.append(replay(hub, world, rng, args.duration, "warm workers"))
        # Sessions are signed cookies: they hold for a new server too. The same mix again, each
        # request logged (its kind, the worker's CPU, SQL), so that the tail can be attributed.
        with serve("wsgi:app", logged) as hub:
            replay(hub, world, rng, duration=5)
            request_log.skip()
            reset_statements(database_url, args.pg_statements)
            rows.append(replay(hub, world, rng, args.duration, "warm workers, each request logged"))
            rows[-1].kinds = request_log.read()
            statements = top_statements(database_url, args.pg_statements)
        with serve("wsgi:app", logged) as hub:
            request_log.skip()
            rows.append(replay(hub, world, rng, args.cold, "cold workers"))
            rows[-1].kinds = request_log.read()
        rows.append(run_bare(bare, args.duration, "bare (after)"))
    request_log.path.unlink(missing_ok=True)
    return format_table(rows, database_url, args) + kinds_tables(rows) + statements


def load_world(database_url: str, members: int) -> dict:
    """Members, recent questions (newest first), answers to mark, and the filters' values."""
    from sqlalchemy import create_engine, text

    from hub.forum.paths import question_path, slugify

    engine = create_engine(database_url)
    with engine.connect() as connection:

        def column(sql: str, **params) -> list:
            return list(connection.execute(text(sql), params).scalars())

        emails = column(
            "SELECT email FROM \"user\" WHERE role = 'member' AND active "
            "AND email NOT LIKE '%demo.stafetten.se' ORDER BY id LIMIT :n",
            n=members,
        )
        recent = connection.execute(
            text(
                "SELECT id, title FROM question WHERE deleted_at IS NULL AND hidden = false "
                "AND merged_into_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 3000"
            )
        ).all()
        answers = column(
            "SELECT a.id FROM answer a JOIN question q ON q.id = a.question_id "
            "WHERE a.deleted_at IS NULL AND a.hidden = false AND q.deleted_at IS NULL "
            "AND q.hidden = false AND q.merged_into_id IS NULL "
            "ORDER BY q.created_at DESC, a.id LIMIT 1500"
        )
        world = {
            "questions": [question_path(row.id, slugify(row.title)) for row in recent],
            "question_ids": [row.id for row in recent[:500]],
            "answers": answers,
            "categories": column("SELECT slug FROM category ORDER BY id"),
            "tags": column("SELECT slug FROM tag ORDER BY id LIMIT 60"),
            "municipalities": column("SELECT scb_code FROM municipality ORDER BY scb_code"),
            "regions": column("SELECT code FROM region ORDER BY code"),
        }
    engine.dispose()
    world["members"] = [
        Member(email, f"10.{17 + i // 65_000}.{i // 250 % 250}.{i % 250 + 1}")
        for i, email in enumerate(emails)
    ]
    return world


def deployed(database_url: str, request_log: Path | None = None) -> dict[str, str]:
    """Production settings as the README deploys them: the app loaded once before the workers
    fork (gunicorn.conf.py's hooks); one trusted proxy, so that each member's own address counts
    for the login limits. With ``request_log``: bench/gunicorn_bench.py instead of
    gunicorn.conf.py alone, which adds a line per request in that file (~0.1 ms per request)."""
    env = dict(hub_env(database_url), HUB_TRUSTED_PROXIES="1", GUNICORN_CMD_ARGS="--preload")
    if request_log is None:
        return env
    return dict(
        env,
        GUNICORN_CMD_ARGS="--preload -c bench/gunicorn_bench.py",
        BENCH_REQUEST_LOG=str(request_log),
    )


@dataclass
class Served:
    """One request as bench/gunicorn_bench.py logged it; times in ms."""

    kind: str
    status: int
    wall: float
    cpu: float
    gc: float
    sql: float
    begin: float


@dataclass
class RequestLog:
    """The requests the workers logged since the last ``skip``."""

    path: Path
    offset: int = 0

    def skip(self) -> None:
        self.offset = self.path.stat().st_size

    def read(self) -> list[Served]:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            lines = file.read().decode(errors="replace").splitlines()
        served = []
        for line in lines:
            fields = line.split()
            if len(fields) == 7 and fields[0] in MIX and all(f.isdigit() for f in fields[1:]):
                status, *micros = map(int, fields[1:])
                served.append(Served(fields[0], status, *(m / 1000 for m in micros)))
        return served


def sign_in_all(port: int, members: list[Member]) -> None:
    """Each member through the login form (a few at a time: argon2 is meant to be slow)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda member: sign_in(port, member), members))


def sign_in(port: int, member: Member) -> None:
    # The CSRF secret is kept in the session after login; its forms' tokens never expire
    # (WTF_CSRF_TIME_LIMIT is None), so one token serves all the member's writes.
    address = {"X-Forwarded-For": member.address}
    member.cookie, html = sign_in_as(port, member.email, address, then="/fragor")
    member.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def draw_requests(world: dict, rng: random.Random, count: int) -> list[tuple]:
    """(kind, member index, method, path, form body) in the mix's proportions."""
    kinds, weights = zip(*MIX.items(), strict=True)
    members = len(world["members"])
    drawn = []
    for kind in rng.choices(kinds, weights, k=count):
        member = rng.randrange(members)
        method, path, body = "GET", *draw_page(kind, world, rng)
        if body is not None:
            method = "POST"
        drawn.append((kind, member, method, path, body))
    return drawn


def recent_index(rng: random.Random, size: int) -> int:
    """Newest first, popularity falling off with age: half the views go to the newest 30."""
    return min(int(rng.paretovariate(1.0) * 30) - 30, size - 1)


def draw_page(kind: str, world: dict, rng: random.Random) -> tuple[str, str | None]:
    if kind == "question":
        return world["questions"][recent_index(rng, len(world["questions"]))], None
    if kind == "list":
        args = {}
        if rng.random() < 0.3:
            args["sort"] = rng.choice(["active", "unanswered", "helpful"])
        if rng.random() < 0.3:
            args["kategori"] = rng.choice(world["categories"])
        elif rng.random() < 0.15:
            args["tagg"] = rng.choice(world["tags"])
        if rng.random() < 0.25:
            args["page"] = rng.randint(2, 6)
        return "/fragor" + ("?" + urlencode(args) if args else ""), None
    if kind == "start":
        return "/", None
    if kind == "search":
        return "/sok?" + urlencode({"q": rng.choice(SEARCH_WORDS)}), None
    if kind == "directory":
        args = {}
        roll = rng.random()
        if roll < 0.3:
            args["kommun"] = rng.choice(world["municipalities"])
        elif roll < 0.45:
            args["region"] = rng.choice(world["regions"])
        elif roll < 0.6:
            args["tagg"] = rng.choice(world["tags"])
        elif roll < 0.75:
            args["q"] = rng.choice(["anna", "erik", "karl", "maria", "lind", "berg"])
        if rng.random() < 0.2:
            args["page"] = rng.randint(2, 5)
        return "/katalog" + ("?" + urlencode(args) if args else ""), None
    if kind == "meetings":
        return "/traffar", None
    if kind == "notifications":
        return "/notiser", None
    if kind == "helpful":
        return f"/svar/{rng.choice(world['answers'])}/hjalpsamt", ""
    question_id = world["question_ids"][recent_index(rng, len(world["question_ids"]))]
    text = f"Ett svar från mätningen: vi gjorde så här på vår enhet ({rng.randrange(10**9)})."
    return f"/fragor/{question_id}/svar", urlencode({"body": text})


LUA = r"""
local members = %(members)s
local sequences = %(sequences)s
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

function init(args)
  sequence = sequences[index]
  position, writes = 0, 0
end

function request()
  position = position %% #sequence + 1
  local r = sequence[position]
  local member = members[r[1]]
  local headers = {["Cookie"] = member[1], ["X-Forwarded-For"] = member[3], ["X-Bench-Kind"] = r[4]}
  if r[3] then
    writes = writes + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = "csrf_token=" .. member[2]
    if r[3] ~= "" then body = body .. "&" .. r[3] end
    return wrk.format("POST", r[2], headers, body)
  end
  return wrk.format("GET", r[2], headers)
end

done = function(summary, latency, requests)
  local writes = 0
  for _, thread in ipairs(threads) do
    writes = writes + thread:get("writes")
  end
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, '
    .. '"status_errors": %%d, "socket_errors": %%d, "writes": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    writes))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a JSON string is a valid Lua string here


def lua_script(world: dict, rng: random.Random) -> str:
    members = ",\n".join(
        f"{{{lua_string(m.cookie)}, {lua_string(m.token)}, {lua_string(m.address)}}}"
        for m in world["members"]
    )
    sequences = []
    for _ in range(THREADS):
        items = []
        for kind, member, method, path, body in draw_requests(world, rng, REQUESTS_PER_THREAD):
            form = lua_string(body) if method == "POST" else "nil"
            items.append(f"{{{member + 1}, {lua_string(path)}, {form}, {lua_string(kind)}}}")
        sequences.append("{" + ",\n".join(items) + "}")
    return LUA % {"members": "{" + members + "}", "sequences": "{" + ",\n".join(sequences) + "}"}


def replay(port: int, world: dict, rng: random.Random, duration: int, name: str = "") -> Row:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(lua_script(world, rng))
    try:
        if name:
            print(f"== {name}", flush=True)
        return run_wrk(port, "/", Path(file.name), duration, name)
    finally:
        Path(file.name).unlink(missing_ok=True)


def run_bare(port: int, duration: int, name: str) -> Row:
    """The bare page with one member's sort of cookie, as bench/run.py measures it."""
    script = 'wrk.headers["Cookie"] = "session=' + "x" * 180 + '"\n' + LUA_DONE_SIMPLE
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        print(f"== {name}", flush=True)
        run_wrk(port, "/", Path(file.name), 2, "")  # warm-up
        return run_wrk(port, "/", Path(file.name), duration, name)
    finally:
        Path(file.name).unlink(missing_ok=True)


LUA_DONE_SIMPLE = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"status_errors": %d, "socket_errors": %d, "writes": 0}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(port: int, path: str, script: Path, duration: int, name: str) -> Row:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(script), f"http://{HOST}:{port}{path}"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 120, check=True
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    return Row(
        name=name,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50=data["p50_us"] / 1000,
        p95=data["p95_us"] / 1000,
        p99=data["p99_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
        requests=data["requests"],
        writes=data["writes"],
    )


def format_table(rows: list[Row], database_url: str, args) -> str:
    bare = [row for row in rows if row.name.startswith("bare")]
    base = sum(row.rps for row in bare) / len(bare)
    engine = database_url.split(":", 1)[0]
    lines = [
        f"Körning {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, databas {engine} ({args.scale}, "
        "en färsk kopia), "
        f"{args.members} "
        f"medlemmar, {args.duration} s per mätning (kall: {args.cold} s), gunicorn -w 2 -k sync "
        f"(hubben med --preload), c{CONNECTIONS}, belastning före/efter: {os.getloadavg()[0]:.1f}.",
        "",
        "| run | req/s | ratio to bare | p50 ms | p95 ms | p99 ms | errors | writes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = f"1/{base / row.rps:.1f}" if row.rps else "–"
        lines.append(
            f"| {row.name} | {row.rps:.0f} | {ratio} | {row.p50:.1f} | {row.p95:.1f} "
            f"| {row.p99:.1f} | {row.errors} | {row.writes} |"
        )
    return "\n".join(lines)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def kinds_tables(rows: list[Row]) -> str:
    return "".join(kinds_table(row) for row in rows if row.kinds)


def kinds_table(row: Row) -> str:
    """Per kind: how many, the worker's wall and CPU time (p50/p95/p99), the kind's share of all
    the workers' wall time and CPU, of the requests slower than the run's p95 (wall) how many
    were of this kind, the CPU in Python's garbage collector, the wall time in SQL statements and
    in BEGIN (SQLite's wait for the write lock)."""
    walls = sorted(s.wall for s in row.kinds)
    cut = percentile(walls, 0.95)
    wall_total, cpu_total = sum(walls), sum(s.cpu for s in row.kinds) or 1
    slow = sum(1 for ms in walls if ms > cut) or 1
    cpus = sorted(s.cpu for s in row.kinds)
    lines = [
        "",
        "",
        f"{row.name}, per kind, as the workers saw it (all: wall p50 / p95 / p99 "
        f"{percentile(walls, 0.5):.1f} / {cut:.1f} / {percentile(walls, 0.99):.1f} ms, "
        f"mean {wall_total / len(walls):.1f}; CPU p50 / p95 / p99 {percentile(cpus, 0.5):.1f} / "
        f"{percentile(cpus, 0.95):.1f} / {percentile(cpus, 0.99):.1f} ms, "
        f"mean {cpu_total / len(cpus):.2f}):",
        "",
        "| kind | requests | wall p50 / p95 / p99 / max ms | CPU p50 / p95 / p99 ms "
        "| share of wall | share of CPU | share of slowest 5 % | GC CPU ms (max) "
        "| SQL ms mean (p95) | BEGIN ms mean (max) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_kind: dict[str, list[Served]] = {}
    for served in row.kinds:
        by_kind.setdefault(served.kind, []).append(served)
    for kind in sorted(by_kind, key=lambda k: -sum(s.cpu for s in by_kind[k])):
        entries = by_kind[kind]
        wall = sorted(s.wall for s in entries)
        cpu = sorted(s.cpu for s in entries)
        errors = sum(1 for s in entries if s.status >= 400)
        sql = sorted(s.sql for s in entries)
        begin = [s.begin for s in entries]
        lines.append(
            f"| {kind} | {len(entries)} | {_ranks(wall)} / {wall[-1]:.1f} | {_ranks(cpu)} "
            f"| {100 * sum(wall) / wall_total:.1f} % | {100 * sum(cpu) / cpu_total:.1f} % "
            f"| {100 * sum(1 for ms in wall if ms > cut) / slow:.1f} % "
            f"| {sum(s.gc for s in entries):.0f} ({max(s.gc for s in entries):.1f}) "
            f"| {_mean(sql):.1f} ({percentile(sql, 0.95):.1f}) "
            f"| {_mean(begin):.2f} ({max(begin):.1f}) | {errors} |"
        )
    return "\n".join(lines)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _ranks(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, share):.1f}" for share in (0.5, 0.95, 0.99))


def reset_statements(database_url: str, top: int) -> None:
    """This database's statements only: the server is shared (with no arguments, the reset
    empties every database's)."""
    if top and database_url.startswith("postgresql"):
        _statements_query(database_url, RESET_STATEMENTS)


def top_statements(database_url: str, top: int) -> str:
    """The statements that took the server most time since the reset (pg_stat_statements)."""
    if not top or not database_url.startswith("postgresql"):
        return ""
    rows = _statements_query(
        database_url,
        "SELECT calls, total_exec_time, total_plan_time, rows, shared_blks_hit + "  # noqa: S608
        "shared_blks_read AS blocks, query FROM pg_stat_statements "
        f"WHERE {OF_THIS_DATABASE} ORDER BY total_exec_time + total_plan_time DESC",
    )
    total = sum(r.total_exec_time + r.total_plan_time for r in rows) or 1
    calls = sum(r.calls for r in rows)
    lines = [
        "",
        "",
        f"PostgreSQL server, warm run: {calls} statements, {total:.0f} ms executing and planning "
        f"(pg_stat_statements); the {top} that took most:",
        "",
        "| share | total ms | calls | mean ms | plan ms | rows/call | blocks/call | statement |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows[:top]:
        spent = r.total_exec_time + r.total_plan_time
        per_call = max(r.calls, 1)  # planned but not yet run: 0 calls (track_planning)
        query = " ".join(r.query.split())[:160].replace("|", "\\|")
        lines.append(
            f"| {100 * spent / total:.1f} % | {spent:.0f} | {r.calls} | {spent / per_call:.3f} "
            f"| {r.total_plan_time:.0f} | {r.rows / per_call:.1f} | {r.blocks / per_call:.0f} "
            f"| `{query}` |"
        )
    return "\n".join(lines)


def _statements_query(database_url: str, sql: str) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
