"""CPU per request of bench/realistic.py's mix, in one process, by kind (issue 17).

The realistic benchmark says how fast the hub is under load; this says where the time goes. It
draws the same mix (bench/realistic.py's MIX and pages) for ``--members`` members, each signed in
through the login form in a test client of their own, replays it through the Flask test client
and prints CPU milliseconds per request (``time.process_time``: SQLite runs in this process) and
SQL statements per request, by kind. ``--profile`` prints cProfile's view of the whole mix.

    .venv/bin/python bench/mix_cpu.py                       # 2,000 requests, 40 members
    .venv/bin/python bench/mix_cpu.py --requests 500 --profile
    .venv/bin/python bench/mix_cpu.py --scale xlarge        # ten times the rows
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import time
from collections import defaultdict
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
    add_scale_argument(parser)
    args = parser.parse_args()
    database_url = default_database_url(args.scale)
    production_env(database_url)
    world = load_world(database_url, args.members)
    app = build_app()
    from hub.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    members = [sign_in(app, m.email, m.address) for m in world["members"]]
    rng = random.Random(args.seed)
    warm = draw_requests(world, rng, 300)
    drawn = draw_requests(world, rng, args.requests)
    for request in warm:
        send(members, request)
    cpu, statements = defaultdict(list), defaultdict(list)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    for request in drawn:
        before, started = counter.count, time.process_time()
        send(members, request)
        cpu[request[0]].append((time.process_time() - started) * 1000)
        statements[request[0]].append(counter.count - before)
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    total = sum(sum(v) for v in cpu.values())
    count = sum(len(v) for v in cpu.values())
    print("| kind | n | CPU median ms | p95 | mean | share of CPU | statements median (max) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, values in sorted(cpu.items(), key=lambda item: -sum(item[1])):
        values.sort()
        counts = statements[kind]
        print(
            f"| {kind} | {len(values)} | {statistics.median(values):.2f} "
            f"| {values[int(len(values) * 0.95)]:.2f} | {statistics.mean(values):.2f} "
            f"| {sum(values) / total:.0%} | {statistics.median(counts):.0f} ({max(counts)}) |"
        )
    print(f"\nall: {count} requests, mean CPU {total / count:.2f} ms")


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
