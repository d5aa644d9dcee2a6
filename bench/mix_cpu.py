"""CPU per request of bench/realistic.py's mix, in one process, by kind (issue 17).

The realistic benchmark says how fast the hub is under load; this says where the time goes. It
draws the same mix (bench/realistic.py's MIX and pages) for ``--members`` members, each signed in
through the login form in a test client of their own, replays it through the Flask test client
and prints CPU milliseconds per request (``time.process_time``: SQLite runs in this process) and
SQL statements per request, by kind. ``--profile`` prints cProfile's view of the whole mix.

On PostgreSQL (``--database-url``, a copy of ``large``: the mix writes) the CPU is the worker's
alone, as gunicorn's worker spends it (psycopg, SQLAlchemy, the kernel's side of each round
trip); the server's CPU (its backends', from the scheduler) is a column of its own.

    .venv/bin/python bench/mix_cpu.py                       # 2,000 requests, 40 members
    .venv/bin/python bench/mix_cpu.py --requests 500 --profile
    .venv/bin/python bench/mix_cpu.py --scale xlarge        # ten times the rows
    .venv/bin/python bench/mix_cpu.py --database-url postgresql+psycopg://…/pgfloor_large
    .venv/bin/python bench/mix_cpu.py --requests 1000 --instructions   # callgrind: repeatable
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from realistic import draw_requests, load_world  # noqa: E402
from render_cpu import StatementCounter, build_app, default_database_url, production_env  # noqa: E402
from run import DEMO_PASSWORD, add_scale_argument  # noqa: E402


def sign_in(app, email: str, address: str):
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    html = client.get("/logga-in", environ_overrides=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/logga-in",
        data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD},
        headers={"Referer": "https://localhost/logga-in"},
        environ_overrides=environ,
    )
    assert response.status_code == 302, response.status_code
    html = client.get("/fragor", environ_overrides=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--database-url", help="a database seeded with seed-demo --scale large")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instructions per request of the measured requests (valgrind: slow, repeatable)",
    )
    parser.add_argument("--instrumented", action="store_true", help=argparse.SUPPRESS)
    add_scale_argument(parser)
    args = parser.parse_args()
    database_url = args.database_url or default_database_url(args.scale)
    if args.instructions:
        count_instructions(database_url, args)
        return
    production_env(database_url)
    world = load_world(database_url, args.members)
    app = build_app()
    from hub.extensions import db

    members = [sign_in(app, m.email, m.address) for m in world["members"]]
    rng = random.Random(args.seed)
    warm = draw_requests(world, rng, 300)
    drawn = draw_requests(world, rng, args.requests)
    for request in warm:
        send(members, request)
    if args.instrumented:  # under callgrind: the measured requests only, nothing else counted
        with instrumented():
            for request in drawn:
                send(members, request)
        return
    with app.app_context():
        counter = StatementCounter(db.engine)
    cpu, statements, server = defaultdict(list), defaultdict(list), defaultdict(list)
    # CPU time, not wall time: on PostgreSQL a statement's wait for the server is not the
    # worker's CPU (under a wall clock psycopg's wait held a third of the profile).
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    for request in drawn:
        before, served = counter.count, counter.server_ns() if counter.postgres else 0
        started = time.process_time()
        send(members, request)
        cpu[request[0]].append((time.process_time() - started) * 1000)
        statements[request[0]].append(counter.count - before)
        if counter.postgres:
            server[request[0]].append((counter.server_ns() - served) / 1e6)
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    print_table(cpu, statements, server)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} ({database_url.split(':')[0]})")


@contextmanager
def instrumented() -> Iterator[None]:
    """callgrind counts the block's instructions only (it runs with ``--instr-atstart=no``)."""
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


def count_instructions(database_url: str, args: argparse.Namespace) -> None:
    """The mix in a process of its own under callgrind, the measured requests instrumented:
    instructions do not move with the machine's load (CPU milliseconds do). On PostgreSQL
    they are the worker's user-space work (the kernel's side of a round trip is not seen)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "mix.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={out}", sys.executable, __file__, "--instrumented"]
        command += ["--database-url", database_url, "--seed", str(args.seed)]
        command += ["--requests", str(args.requests), "--members", str(args.members)]
        subprocess.run(command, check=True, capture_output=True)
        totals = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
    millions = int(totals.group(1)) / args.requests / 1e6
    load = os.getloadavg()
    print(
        f"{args.requests} requests, {args.members} members, seed {args.seed}: "
        f"{millions:.3f} M instructions a request ({database_url.split(':')[0]}, "
        f"load average {load[0]:.1f})"
    )


def print_table(cpu: dict, statements: dict, server: dict) -> None:
    total = sum(sum(v) for v in cpu.values())
    count = sum(len(v) for v in cpu.values())
    head = "| kind | n | CPU median ms | p95 | mean | share of CPU | statements median (max) |"
    print(head + (" server CPU mean ms |" if server else ""))
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if server else ""))
    for kind, values in sorted(cpu.items(), key=lambda item: -sum(item[1])):
        values.sort()
        counts = statements[kind]
        print(
            f"| {kind} | {len(values)} | {statistics.median(values):.2f} "
            f"| {values[int(len(values) * 0.95)]:.2f} | {statistics.mean(values):.2f} "
            f"| {sum(values) / total:.0%} | {statistics.median(counts):.0f} ({max(counts)}) |"
            + (f" {statistics.mean(server[kind]):.2f} |" if server else "")
        )
    print(f"\nall: {count} requests, mean CPU {total / count:.2f} ms")
    if server:
        spent = sum(sum(v) for v in server.values())
        print(f"the server's backends: mean CPU {spent / count:.2f} ms a request")


def send(members, request) -> None:
    _kind, member, method, path, body = request
    client, token = members[member]
    environ = {"REMOTE_ADDR": f"10.1.{member // 250}.{member % 250 + 1}"}
    if method == "GET":
        response = client.get(path, environ_overrides=environ)
    else:
        data = f"csrf_token={token}" + (f"&{body}" if body else "")
        response = client.post(
            path,
            data=data,
            content_type="application/x-www-form-urlencoded",
            headers={"Referer": "https://localhost/"},
            environ_overrides=environ,
        )
    if response.status_code >= 400:
        print(f"{method} {path} answered {response.status_code}", file=sys.stderr)


if __name__ == "__main__":
    main()
